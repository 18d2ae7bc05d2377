import { randomUUID } from 'node:crypto';
import { checkCode, type PendingCode } from '../codes/one-time-code.ts';
import { coolingOffPeriod, isCoolingOff } from '../cooling-off/cooling-off.ts';
import type { Uses } from '../deps.ts';
import { conflict, notFound } from '../errors.ts';
import { DeviceBound, DeviceDeleted, DeviceKeyAdded } from '../events/device-events.ts';
import { buildEvent } from '../events/event.ts';
import { metrics } from '../metrics.ts';
import { type SendCodeDeps, sendCode } from '../sca/send-code.ts';
import {
  challengeNotFound,
  challengeView,
  deviceNotFound,
  invalidSignature,
  isoSeconds,
  publicKeyFrom,
  refusal,
  signatureFrom,
  signedBy,
  unanswerable,
} from './challenge-common.ts';
import type { ChallengeView, DeviceView, KeyView } from './device.schema.ts';
import { refusalNow } from './device-signing.ts';
import {
  type DeviceRecord,
  type KeyPurpose,
  type KeyRecord,
  MAX_ACTIVE_DEVICES,
  type SignatureChallengeRecord,
} from './device-store.ts';

/** Binding reads the number and sends the SMS; the other device use cases only read and write devices. */
export type BindingDeps = SendCodeDeps & Uses<'devices'>;
export type DeviceDeps = Uses<'clock' | 'devices', 'otpMaxAttempts'>;

/**
 * Owner scoping. The partner API is server to server and names devices and challenges by id; every route that does so
 * also accepts the person's id (body `person_id` or query `person_id`). When it is given and the object belongs to
 * someone else, the answer is exactly the 404 of an unknown id, so a caller learns nothing about other people's
 * devices. Authenticated callers pass the person from their token here.
 */
const ownedBy = (record: { personId: string }, personId: string | undefined) =>
  personId === undefined || record.personId === personId;

export const deviceView = (device: DeviceRecord): DeviceView => ({
  id: device.id,
  name: device.name,
  person_id: device.personId,
  created_at: isoSeconds(device.createdAt),
  deleted_at: device.deletedAt ? isoSeconds(device.deletedAt) : null,
  status: device.status,
});

export const keyView = (key: KeyRecord): KeyView => ({
  key_id: key.keyId,
  key_purpose: key.keyPurpose,
  key_type: key.keyType,
  used_at: key.usedAt ? isoSeconds(key.usedAt) : null,
});

/** A device the caller may see (any state), or 404. */
async function visibleDevice(rt: DeviceDeps, deviceId: string, personId: string | undefined) {
  const device = await rt.devices.getDevice(deviceId);
  if (!device || !ownedBy(device, personId)) throw deviceNotFound();
  return device;
}

/** A device the caller may act on: visible and not deleted (a deleted device is a read-only tombstone), or 404. */
async function liveDevice(rt: DeviceDeps, deviceId: string, personId: string | undefined) {
  const device = await visibleDevice(rt, deviceId, personId);
  if (device.status === 'deleted') throw deviceNotFound();
  return device;
}

export interface BindDeviceInput {
  personId: string;
  key: string;
  keyPurpose: KeyPurpose;
  name: string;
  appSignature?: string | undefined;
  language?: 'de' | 'en' | 'fr' | undefined;
  deviceData?: string | undefined;
}

export interface BindDeviceResult {
  id: string;
  key_id: string;
  challenge: { id: string; type: 'signature'; created_at: string; expires_at: string };
}

/**
 * Bind a device (start), sending the OTP through the SCA core (`sendCode`, kind `device_binding`):
 * 1. The key must be an uncompressed P-256 point on the curve (400).
 * 2. The person needs a verified mobile number (409), and fewer than 5 bound devices (409; enforced again, atomically,
 *    when the binding completes), and must not be in a cooling-off window (403 `cooling_off_period`).
 * 3. Generate the OTP (the sandbox number always gets 212212) and render the SMS in the asked language (else the
 *    person's), with the app hash as its last line.
 * 4. Through the SMS dispatcher: take one unit of the number's hourly quota (429), store the pending device, pending
 *    key and the signature challenge (OTP sealed, with the number record it went to) in one transaction, then send.
 */
export async function bindDevice(rt: BindingDeps, input: BindDeviceInput): Promise<BindDeviceResult> {
  publicKeyFrom(input.key, 'key');
  const now = rt.clock.now();
  const createdAt = now.toISOString();
  const device: DeviceRecord = {
    id: randomUUID(),
    personId: input.personId,
    name: input.name,
    status: 'pending',
    createdAt,
    activeKeys: {},
  };
  const key: KeyRecord = {
    keyId: randomUUID(),
    deviceId: device.id,
    personId: input.personId,
    publicKey: input.key.toLowerCase(),
    keyType: 'ecdsa-p256',
    keyPurpose: input.keyPurpose,
    createdAt,
  };
  const { code } = await sendCode(rt, {
    kind: 'device_binding',
    personId: input.personId,
    boundTo: device.id,
    templateKey: 'sms.two_factor.authenticate',
    language: input.language,
    lastLine: input.appSignature,
    what: 'Binding a new device',
    noVerifiedNumber: () =>
      conflict(
        'verified_mobile_number_required',
        'Verified Mobile Number Required',
        'The person needs a verified mobile number before a device can be bound.',
      ),
    refuse: async () => {
      if ((await rt.devices.activeDeviceCount(input.personId)) >= MAX_ACTIVE_DEVICES) throw tooManyDevices();
    },
    store: async (otp, _codeId, to) => {
      const challenge: SignatureChallengeRecord = {
        id: otp.id,
        type: 'signature',
        deviceId: device.id,
        keyId: key.keyId,
        keyPurpose: key.keyPurpose,
        personId: input.personId,
        createdAt,
        expiresAtMs: otp.expiresAtMs,
        attempts: 0,
        sealedOtp: otp.secret,
        publicKey: key.publicKey,
        deviceName: device.name,
        deviceCreatedAt: device.createdAt,
        sentTo: to.id,
      };
      await rt.devices.createPendingBinding(device, key, challenge, input.deviceData);
    },
  });
  return {
    id: device.id,
    key_id: key.keyId,
    challenge: {
      id: code.id,
      type: 'signature',
      created_at: isoSeconds(now),
      expires_at: isoSeconds(new Date(code.expiresAtMs)),
    },
  };
}

const tooManyDevices = () =>
  conflict(
    'too_many_devices',
    'Too Many Devices',
    `A person can have at most ${MAX_ACTIVE_DEVICES} bound devices; delete one first.`,
  );

async function signatureChallenge(rt: DeviceDeps, challengeId: string, personId: string | undefined) {
  const challenge = await rt.devices.getChallenge(challengeId);
  if (challenge?.type !== 'signature' || !ownedBy(challenge, personId)) throw challengeNotFound();
  return challenge;
}

export async function getSignatureChallenge(
  rt: DeviceDeps,
  input: { challengeId: string; personId?: string | undefined },
): Promise<ChallengeView> {
  const challenge = await signatureChallenge(rt, input.challengeId, input.personId);
  return challengeView(challenge, rt.clock.now(), rt.config.otpMaxAttempts);
}

/** The binding OTP as a pending code: sealed in the challenge, bound to the pending device. */
const bindingCode = (challenge: SignatureChallengeRecord): PendingCode => ({
  id: challenge.id,
  boundTo: challenge.deviceId,
  secret: challenge.sealedOtp,
  expiresAtMs: challenge.expiresAtMs,
  attempts: challenge.attempts,
  used: Boolean(challenge.consumedAt),
  sentTo: challenge.sentTo,
});

/**
 * Answer the binding's signature challenge, in three DynamoDB round trips; the rule is `checkCode`'s, as for every
 * code. The signer chose the new key, so a signature over the OTP is as guessable as the OTP typed: it spends the
 * person's daily code-check budget like any typed code (the policy table's `device_binding` row).
 * 1. Read the challenge (which carries the new key and the device's name); it must be answerable (403 used or burnt,
 *    422 expired).
 * 2. Read the person's budget (429 when spent), verified number and cooling-off window together. The person must not
 *    be in a cooling-off window (403 `cooling_off_period`: a binding started before a reset must not complete after
 *    it), and the OTP's number must still be the person's verified number (403 `challenge_void`).
 * 3. Open the sealed OTP and verify the signature over it locally.
 * 4. Wrong: charge one attempt and one budget unit, then answer 403. Right: complete the binding with the budget
 *    unit in one transaction (see `completeBinding`): the device must still be pending (404), the person under the
 *    device limit (409), the number unchanged (403).
 */
export async function verifySignatureChallenge(
  rt: Uses<'clock' | 'devices' | 'pepper', 'otpMaxAttempts' | 'codeChecksPerDay'>,
  input: { challengeId: string; signature: string; personId?: string | undefined },
): Promise<void> {
  const signature = signatureFrom(input.signature, 'signature');
  const maxAttempts = rt.config.otpMaxAttempts;
  /** Whether the signature verified, once it was checked (the binding's `Signatures` metric). */
  let valid: boolean | undefined;
  const result = await checkCode(
    'device_binding',
    {
      load: async () => {
        const challenge = await signatureChallenge(rt, input.challengeId, input.personId);
        const reason = unanswerable(challenge, rt.clock.now(), maxAttempts);
        if (reason) throw refusal(reason);
        const context = await rt.devices.loadBindingCheck(challenge.personId);
        if (isCoolingOff(context.coolingOff, rt.clock.now())) {
          throw coolingOffPeriod(context.coolingOff, 'Completing a device binding');
        }
        return {
          challenge,
          binding: await bindingOf(rt, challenge),
          code: bindingCode(challenge),
          budget: context.budget,
          verifiedNumber: context.verifiedNumber,
        };
      },
      commit: async ({ challenge, binding, verifiedNumber }, answer, charge) => {
        const now = rt.clock.now();
        if (answer === 'wrong') {
          const charged = await rt.devices.chargeWrongAnswer(challenge, now, maxAttempts, charge);
          return charged === 'charged' ? 'committed' : charged === 'refused' ? 'code_changed' : charged;
        }
        const event = buildEvent(
          DeviceBound,
          {
            device_id: challenge.deviceId,
            person_id: challenge.personId,
            key_id: challenge.keyId,
            key_purpose: challenge.keyPurpose,
            name: binding.deviceName,
          },
          now,
        );
        const device = {
          id: challenge.deviceId,
          personId: challenge.personId,
          createdAt: binding.deviceCreatedAt,
        };
        const outcome = await rt.devices.completeBinding(challenge, device, event, now, maxAttempts, {
          charge: charge!,
          verifiedNumber: verifiedNumber!,
        });
        return outcome === 'ok' ? 'committed' : outcome === 'used' ? 'code_changed' : outcome;
      },
    },
    {
      given: input.signature,
      now: () => rt.clock.now(),
      pepper: rt.pepper,
      matches: (otp, { binding }) => {
        valid = signedBy(binding.publicKey, otp, signature);
        return valid;
      },
    },
    { maxAttempts, checksPerDay: rt.config.codeChecksPerDay },
  );
  if (valid !== undefined) metrics.signature(valid);
  switch (result.verdict) {
    case 'right':
      metrics.deviceBound();
      return;
    case 'wrong':
      throw invalidSignature();
    case 'unusable':
      throw refusal(result.reason === 'missing' ? 'not_found' : result.reason);
    case 'lost_race':
      throw await refusalNow(rt, input.challengeId, rt.clock.now());
    case 'refused':
      throw result.outcome === 'too_many_devices' ? tooManyDevices() : deviceNotFound();
  }
}

/** What the binding needs besides the challenge: copied into it, or read for challenges made before that was so. */
async function bindingOf(rt: Uses<'devices'>, challenge: SignatureChallengeRecord) {
  if (challenge.publicKey && challenge.deviceName !== undefined && challenge.deviceCreatedAt) {
    return {
      publicKey: challenge.publicKey,
      deviceName: challenge.deviceName,
      deviceCreatedAt: challenge.deviceCreatedAt,
    };
  }
  const [device, key] = await Promise.all([
    rt.devices.getDevice(challenge.deviceId),
    rt.devices.getKey(challenge.deviceId, challenge.keyId),
  ]);
  if (!device || device.status === 'deleted' || !key) throw deviceNotFound();
  return { publicKey: key.publicKey, deviceName: device.name, deviceCreatedAt: device.createdAt };
}

export async function listDevices(
  rt: DeviceDeps,
  input: { personId: string; includeDeleted: boolean; pageSize: number; pageNumber: number },
): Promise<DeviceView[]> {
  return (await rt.devices.listDevices(input.personId, input)).map(deviceView);
}

export async function getDevice(
  rt: DeviceDeps,
  input: { deviceId: string; personId?: string | undefined },
): Promise<DeviceView> {
  return deviceView(await visibleDevice(rt, input.deviceId, input.personId));
}

/**
 * Delete a device (soft).
 * 1. The device must exist, belong to the person if one is named, and not be deleted already (404).
 * 2. In one transaction: set `deleted_at`, drop its active keys (no challenge can complete with them any more), free
 *    its place among the person's bound devices, write DEVICE_DELETED. A concurrent change (a binding completing)
 *    makes it read the device again and retry.
 */
export async function deleteDevice(
  rt: DeviceDeps,
  input: { deviceId: string; personId?: string | undefined },
): Promise<void> {
  for (let round = 0; round < 3; round++) {
    const device = await liveDevice(rt, input.deviceId, input.personId);
    const now = rt.clock.now();
    const event = buildEvent(DeviceDeleted, { device_id: device.id, person_id: device.personId }, now);
    if (await rt.devices.deleteDevice(device, event, now)) return;
  }
  throw conflict('device_changed', 'Device Changed', 'The device changed meanwhile; retry.');
}

/**
 * Keys of a device, in the shape of the Solaris reference: a list holding the device with its keys. A deleted device
 * keeps its record and its key items as a tombstone, so its list still answers, with the real `deleted_at` (the
 * reference's example shows one, "for deleted devices only"); none of those keys can sign any more, because signing
 * needs the device active with the key among its `active_keys`, which the delete removed.
 */
export async function listDeviceKeys(
  rt: DeviceDeps,
  input: { deviceId: string; personId?: string | undefined },
) {
  const device = await visibleDevice(rt, input.deviceId, input.personId);
  const keys = await rt.devices.listKeys(device.id);
  return [
    {
      device_id: device.id,
      person_id: device.personId,
      name: device.name,
      created_at: isoSeconds(device.createdAt),
      deleted_at: device.deletedAt ? isoSeconds(device.deletedAt) : null,
      keys: keys
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.keyId.localeCompare(b.keyId))
        .map(keyView),
    },
  ];
}

/** One key of a device; a deleted device's keys stay readable (as in its keys list) but never sign again. */
export async function getDeviceKey(
  rt: DeviceDeps,
  input: { deviceId: string; keyId: string; personId?: string | undefined },
): Promise<KeyView> {
  const device = await visibleDevice(rt, input.deviceId, input.personId);
  const key = await rt.devices.getKey(device.id, input.keyId);
  if (!key) throw notFound('No key with this id on this device.');
  return keyView(key);
}

/**
 * Add a key to a bound device.
 * 1. The new key must be a valid P-256 point and the signature strict DER (400).
 * 2. The device must be bound and not deleted (404), and have no key yet for the new key's purpose (409).
 * 3. The signature must be made by the device's active key of `signature_key_purpose` over the ASCII bytes of the new
 *    key's hex exactly as sent in `key` (our choice; the seeds leave the signed message open): 403 otherwise.
 * 4. In one transaction: store the key, point the purpose at it, mark the signer used, write DEVICE_KEY_ADDED.
 */
export async function addDeviceKey(
  rt: DeviceDeps,
  input: {
    deviceId: string;
    key: string;
    keyPurpose: KeyPurpose;
    signatureKeyPurpose: KeyPurpose;
    signature: string;
    personId?: string | undefined;
  },
): Promise<{ id: string }> {
  publicKeyFrom(input.key, 'key');
  const signature = signatureFrom(input.signature, 'device_signature.signature');
  const device = await liveDevice(rt, input.deviceId, input.personId);
  if (device.status !== 'active') throw notFound('The device is not bound yet.');
  const signerId = device.activeKeys[input.signatureKeyPurpose];
  const signer = signerId ? await rt.devices.getKey(device.id, signerId) : undefined;
  if (!signer) {
    throw invalidSignature(`The device has no active ${input.signatureKeyPurpose} key to sign with.`);
  }
  if (device.activeKeys[input.keyPurpose]) throw keyPurposeTaken(input.keyPurpose);
  const valid = signedBy(signer.publicKey, input.key, signature);
  metrics.signature(valid);
  if (!valid) throw invalidSignature();

  const now = rt.clock.now();
  const key: KeyRecord = {
    keyId: randomUUID(),
    deviceId: device.id,
    personId: device.personId,
    publicKey: input.key.toLowerCase(),
    keyType: 'ecdsa-p256',
    keyPurpose: input.keyPurpose,
    createdAt: now.toISOString(),
  };
  const event = buildEvent(
    DeviceKeyAdded,
    {
      device_id: device.id,
      person_id: device.personId,
      key_id: key.keyId,
      key_purpose: key.keyPurpose,
      signed_by_key_id: signer.keyId,
    },
    now,
  );
  if (await rt.devices.addKey(key, signer, event, now)) return { id: key.keyId };
  const current = await rt.devices.getDevice(device.id);
  if (current?.status !== 'active') throw deviceNotFound();
  if (current.activeKeys[input.keyPurpose]) throw keyPurposeTaken(input.keyPurpose);
  throw invalidSignature('The signing key changed meanwhile.');
}

const keyPurposeTaken = (purpose: KeyPurpose) =>
  conflict('key_purpose_exists', 'Key Purpose Exists', `The device already has an active ${purpose} key.`);
