import { randomBytes, randomUUID } from 'node:crypto';
import type { Uses } from '../deps.ts';
import { metrics } from '../metrics.ts';
import { checkProof, type DeviceProof, type ProofDeps, proofFrom } from '../passkeys/device-proof.ts';
import {
  challengeNotFound,
  challengeView,
  deviceNotFound,
  invalidSignature,
  refusal,
  unanswerable,
} from './challenge-common.ts';
import type { ChallengeView } from './device.schema.ts';
import type { ChallengeRecord, DeviceChallengeRecord, KeyPurpose } from './device-store.ts';

/** Reading and charging challenges; answering one also checks the proof (`SigningDeps`). */
export type ChallengeDeps = Uses<'clock' | 'devices', 'otpMaxAttempts'>;
export type SigningDeps = ChallengeDeps & ProofDeps;
export type StartDeps = Uses<'clock' | 'devices', 'otpMaxAttempts' | 'otpTtlSeconds'>;

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
  rt: StartDeps,
  input: StartDeviceChallengeInput,
): Promise<DeviceChallengeView> {
  const keyPurpose = input.keyPurpose ?? 'unrestricted';
  const device = await rt.devices.getDevice(input.deviceId);
  if (!device || device.status === 'deleted') throw deviceNotFound();
  if (input.personId !== undefined && device.personId !== input.personId) throw deviceNotFound();
  const keyId = device.activeKeys[keyPurpose];
  if (!keyId) throw deviceNotFound();
  const key = await rt.devices.getKey(device.id, keyId);
  if (!key) throw deviceNotFound();

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
    publicKey: key.publicKey,
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

async function scopedChallenge(rt: ChallengeDeps, scope: ChallengeScope): Promise<DeviceChallengeRecord> {
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

export async function getDeviceChallenge(
  rt: ChallengeDeps,
  scope: ChallengeScope,
): Promise<DeviceChallengeView> {
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
 * Answer a device challenge, in two DynamoDB round trips:
 * 1. The signature must be hex of a strict DER ECDSA signature (400, nothing charged).
 * 2. Read the challenge; it must match the scope (person, device, boundTo; 404) and still be answerable: used 403,
 *    expired 422, out of attempts 403.
 * 3. Verify ECDSA P-256 / SHA-256 over `string_to_sign` with the public key the challenge was issued for.
 * 4. Wrong: charge one attempt (only then answer 403). Right: in one transaction consume the challenge and set the
 *    key's `used_at`. Both commit only while the challenge is answerable and the device is active with that key
 *    (404 otherwise), so exactly one of concurrent correct answers succeeds and racing wrong ones are all charged.
 * Throws DomainErrors; callers that need another error shape (a TAN error, say) catch and map them.
 */
export async function verifyDeviceChallenge(
  rt: SigningDeps,
  input: ChallengeScope & DeviceProof,
): Promise<VerifiedDeviceChallenge> {
  const proof = proofFrom(input);
  const challenge = await scopedChallenge(rt, input);
  const now = rt.clock.now();
  const maxAttempts = rt.config.otpMaxAttempts;
  const reason = unanswerable(challenge, now, maxAttempts);
  if (reason) throw refusal(reason);
  // Challenges made before the public key was copied into them read the key (one more round trip).
  const publicKey =
    challenge.publicKey ?? (await rt.devices.getKey(challenge.deviceId, challenge.keyId))?.publicKey;
  if (!publicKey) throw deviceNotFound();
  const claim = { publicKey, message: challenge.stringToSign, deviceId: challenge.deviceId };
  if (!(await checkProof(rt, claim, proof)).valid) throw await wrongAnswer(rt, challenge, now);
  metrics.signature(true);
  const outcome = await rt.devices.completeDeviceChallenge(challenge, now, maxAttempts);
  if (outcome === 'used') throw await refusalNow(rt, challenge.id, now);
  if (outcome === 'device_gone') throw deviceNotFound();
  return {
    deviceId: challenge.deviceId,
    personId: challenge.personId,
    keyId: challenge.keyId,
    keyPurpose: challenge.keyPurpose,
    usedAt: now.toISOString(),
  };
}

/** Charges a wrong answer and answers the error to throw: 403 once charged, else why it could not be charged. */
export async function wrongAnswer(rt: ChallengeDeps, challenge: ChallengeRecord, now: Date): Promise<Error> {
  metrics.signature(false);
  const charged = await rt.devices.chargeWrongAnswer(challenge, now, rt.config.otpMaxAttempts);
  if (charged === 'charged') return invalidSignature();
  if (charged === 'device_gone') return deviceNotFound();
  return refusalNow(rt, challenge.id, now);
}

/** After a commit was refused on the challenge's condition: why, as read now. */
export async function refusalNow(
  rt: Uses<'devices', 'otpMaxAttempts'>,
  challengeId: string,
  now: Date,
): Promise<Error> {
  const current = await rt.devices.getChallenge(challengeId);
  if (!current) return refusal('not_found');
  return refusal(unanswerable(current, now, rt.config.otpMaxAttempts) ?? 'used');
}
