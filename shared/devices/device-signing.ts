import { randomBytes, randomUUID } from 'node:crypto';
import type { Runtime } from '../runtime.ts';
import {
  challengeNotFound,
  challengeView,
  deviceNotFound,
  invalidSignature,
  refusal,
  signatureFrom,
  signedBy,
} from './challenge-common.ts';
import type { ChallengeView } from './device.schema.ts';
import type { DeviceChallengeRecord, KeyPurpose } from './device-store.ts';

/**
 * Device signing: a bound device proves presence by signing a fresh random string with one of its active keys.
 * These use cases serve the public challenge routes and any feature that wants the device as a second factor
 * (change requests): such a feature passes `boundTo` (for example `change_request:<id>`), and a challenge bound that
 * way can only be answered by a caller naming the same `boundTo`, never through the public PUT route, and an unbound
 * challenge never satisfies a caller that names one.
 */

export interface StartDeviceChallengeInput {
  deviceId: string;
  /** Which of the device's active keys must sign (default unrestricted). */
  keyPurpose?: KeyPurpose | undefined;
  /** When given, the device must belong to this person (404 otherwise, as for an unknown device). */
  personId?: string | undefined;
  /** Ties the challenge to one purpose/owner, e.g. `change_request:<id>`. */
  boundTo?: string | undefined;
}

export type DeviceChallengeView = ChallengeView & { type: 'device'; string_to_sign: string };

/**
 * Start a device challenge.
 * 1. The device must exist, belong to the person if one is named, not be deleted (404), and have an active key of
 *    the asked purpose (404).
 * 2. Store a challenge with 256 random bits as `string_to_sign` (hex), living 5 minutes, bound to that key, in a
 *    transaction that checks the device is still active with that key.
 */
export async function startDeviceChallenge(
  rt: Runtime,
  input: StartDeviceChallengeInput,
): Promise<DeviceChallengeView> {
  const keyPurpose = input.keyPurpose ?? 'unrestricted';
  const device = await rt.devices.getDevice(input.deviceId);
  if (!device || device.status === 'deleted') throw deviceNotFound();
  if (input.personId !== undefined && device.personId !== input.personId) throw deviceNotFound();
  const keyId = device.activeKeys[keyPurpose];
  if (!keyId) throw deviceNotFound();

  const now = rt.clock.now();
  const challenge: DeviceChallengeRecord = {
    id: randomUUID(),
    type: 'device',
    deviceId: device.id,
    keyId,
    keyPurpose,
    personId: device.personId,
    createdAt: now.toISOString(),
    expiresAtMs: now.getTime() + rt.config.otpTtlSeconds * 1000,
    attempts: 0,
    stringToSign: randomBytes(32).toString('hex'),
    boundTo: input.boundTo,
  };
  if (!(await rt.devices.createDeviceChallenge(challenge))) throw deviceNotFound();
  return challengeView(challenge, now, rt.config.otpMaxAttempts) as DeviceChallengeView;
}

export interface ChallengeScope {
  challengeId: string;
  personId?: string | undefined;
  /** The challenge must be for this device (404 otherwise). */
  deviceId?: string | undefined;
  /** Must equal the `boundTo` the challenge was started with (both absent for the public routes). */
  boundTo?: string | undefined;
}

async function scopedChallenge(rt: Runtime, scope: ChallengeScope): Promise<DeviceChallengeRecord> {
  const challenge = await rt.devices.getChallenge(scope.challengeId);
  if (
    challenge?.type !== 'device' ||
    challenge.boundTo !== scope.boundTo ||
    (scope.personId !== undefined && challenge.personId !== scope.personId) ||
    (scope.deviceId !== undefined && challenge.deviceId !== scope.deviceId)
  ) {
    throw challengeNotFound();
  }
  return challenge;
}

export async function getDeviceChallenge(rt: Runtime, scope: ChallengeScope): Promise<DeviceChallengeView> {
  const challenge = await scopedChallenge(rt, scope);
  return challengeView(challenge, rt.clock.now(), rt.config.otpMaxAttempts) as DeviceChallengeView;
}

export interface VerifiedDeviceChallenge {
  deviceId: string;
  personId: string;
  keyId: string;
  keyPurpose: KeyPurpose;
  usedAt: string;
}

/**
 * Answer a device challenge.
 * 1. The signature must be hex of a strict DER ECDSA signature (400, no attempt charged).
 * 2. The challenge must match the scope (person, device, boundTo) and its device must not be deleted (404).
 * 3. Charge one attempt before verifying: used 403, expired 422, out of attempts 403.
 * 4. Verify ECDSA P-256 / SHA-256 over `string_to_sign` with the key the challenge was issued for; wrong: 403.
 * 5. In one transaction consume the challenge and set the key's `used_at`, provided the device is still active and
 *    the key still signs for its purpose (404 otherwise). Exactly one of concurrent correct answers succeeds.
 * Throws DomainErrors; callers that need another error shape (a TAN error, say) catch and map them.
 */
export async function verifyDeviceChallenge(
  rt: Runtime,
  input: ChallengeScope & { signature: string },
): Promise<VerifiedDeviceChallenge> {
  const signature = signatureFrom(input.signature, 'signature');
  const found = await scopedChallenge(rt, input);
  const device = await rt.devices.getDevice(found.deviceId);
  if (device?.status !== 'active' || device.activeKeys[found.keyPurpose] !== found.keyId) {
    throw deviceNotFound();
  }
  const now = rt.clock.now();
  const attempt = await rt.devices.takeAttempt(found.id, now, rt.config.otpMaxAttempts);
  if (!attempt.ok) throw refusal(attempt.reason);
  const challenge = attempt.challenge as DeviceChallengeRecord;
  const key = await rt.devices.getKey(challenge.deviceId, challenge.keyId);
  if (!key || !signedBy(key.publicKey, challenge.stringToSign, signature)) throw invalidSignature();

  const outcome = await rt.devices.completeDeviceChallenge(challenge, now);
  if (outcome === 'used') throw refusal('used');
  if (outcome === 'device_gone') throw deviceNotFound();
  return {
    deviceId: challenge.deviceId,
    personId: challenge.personId,
    keyId: challenge.keyId,
    keyPurpose: challenge.keyPurpose,
    usedAt: now.toISOString(),
  };
}
