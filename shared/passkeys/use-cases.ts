import { randomBytes, randomUUID } from 'node:crypto';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { checkCode } from '../codes/one-time-code.ts';
import type { PasskeySettings } from '../config.ts';
import { refuseDuringCoolingOff } from '../cooling-off/cooling-off.ts';
import type { Uses } from '../deps.ts';
import { challengeNotFound, deviceNotFound, isoSeconds, refusal } from '../devices/challenge-common.ts';
import type { DeviceView } from '../devices/device.schema.ts';
import { type DeviceRecord, type KeyRecord, MAX_ACTIVE_DEVICES } from '../devices/device-records.ts';
import { deviceView, tooManyDevices, verifiedNumberRequired } from '../devices/use-cases.ts';
import { conflict, forbidden, invalidTan } from '../errors.ts';
import { DeviceBound } from '../events/device-events.ts';
import { buildEvent } from '../events/event.ts';
import { metrics } from '../metrics.ts';
import { type SendCodeDeps, sendCode } from '../sca/send-code.ts';
import type { Language } from '../sms/templates.ts';
import { passkeysOff } from './device-proof.ts';
import { type PasskeyFacts, type PasskeyRegistrationRecord, passkeyKeyRef } from './model.ts';

/**
 * Binding a passkey, in three steps, each a route:
 * 1. start: an SMS OTP to the person's verified number (the enrollment itself is strong customer authentication);
 * 2. options: the OTP, checked like every typed code, unlocks WebAuthn creation options with a fresh challenge;
 * 3. complete: the browser's registration response, verified with user verification required, binds the device.
 * The pending device exists from step 1 (as for an app key) and becomes active in step 3.
 */

export type StartDeps = SendCodeDeps & Uses<'devices' | 'passkeys', 'passkeys'>;
export type OptionsDeps = Uses<
  'clock' | 'devices' | 'pepper' | 'coolingOffs' | 'passkeys',
  'otpMaxAttempts' | 'codeChecksPerDay' | 'passkeys'
>;
export type CompleteDeps = Uses<'clock' | 'coolingOffs' | 'passkeys', 'passkeys'>;

const settingsOf = (rt: { config: { passkeys: PasskeySettings | undefined } }) => {
  if (!rt.config.passkeys) throw passkeysOff();
  return rt.config.passkeys;
};

export interface StartPasskeyBindingResult {
  id: string;
  device_id: string;
  challenge: { id: string; type: 'sms'; created_at: string; expires_at: string };
}

/**
 * Start binding a passkey.
 * 1. Passkeys must be configured (409); the person needs a verified number (409), fewer than 5 bound devices (409;
 *    enforced again, atomically, at completion), and no cooling-off window (403).
 * 2. Through the SCA core (`sendCode`, kind `passkey_binding`): issue the OTP (the sandbox number gets 212212), bound
 *    to the new pending device and to the number record it goes to; take the SMS quotas (429), store the pending
 *    device and the enrollment, then send.
 */
export async function startPasskeyBinding(
  rt: StartDeps,
  input: { personId: string; name: string; userName?: string | undefined; language?: Language | undefined },
): Promise<StartPasskeyBindingResult> {
  settingsOf(rt);
  const now = rt.clock.now();
  const device: DeviceRecord = {
    id: randomUUID(),
    personId: input.personId,
    name: input.name,
    status: 'pending',
    createdAt: now.toISOString(),
    activeKeys: {},
  };
  let registration: PasskeyRegistrationRecord | undefined;
  await sendCode(rt, {
    kind: 'passkey_binding',
    personId: input.personId,
    boundTo: device.id,
    templateKey: 'sms.two_factor.authenticate',
    language: input.language,
    what: 'Binding a new device',
    noVerifiedNumber: verifiedNumberRequired,
    refuse: async () => {
      if ((await rt.devices.activeDeviceCount(input.personId)) >= MAX_ACTIVE_DEVICES) throw tooManyDevices();
    },
    store: async (otp, _codeId, to) => {
      registration = {
        id: otp.id,
        deviceId: device.id,
        personId: input.personId,
        name: input.name,
        userName: input.userName ?? input.personId,
        createdAt: device.createdAt,
        expiresAtMs: otp.expiresAtMs,
        attempts: 0,
        otpHash: otp.secret,
        sentTo: to.id,
      };
      await rt.passkeys.openRegistration(device, registration);
    },
  });
  if (!registration) throw new Error('the SMS dispatcher stored no enrollment');
  return {
    id: registration.id,
    device_id: device.id,
    challenge: {
      id: registration.id,
      type: 'sms',
      created_at: isoSeconds(now),
      expires_at: isoSeconds(new Date(registration.expiresAtMs)),
    },
  };
}

async function ownRegistration(
  rt: Uses<'passkeys'>,
  id: string,
  personId: string | undefined,
): Promise<PasskeyRegistrationRecord> {
  const registration = await rt.passkeys.getRegistration(id);
  if (!registration || (personId !== undefined && registration.personId !== personId)) {
    throw challengeNotFound();
  }
  return registration;
}

/**
 * The WebAuthn creation options, unlocked by the enrollment's OTP.
 * 1. The enrollment must exist (and be the person's, if one is named; 404), the person not be cooling off (403).
 * 2. Check the OTP under the one rule for typed codes (daily budget 429, attempts, constant time): wrong 403
 *    `invalid_tan`; used, expired or burnt 403/422.
 * 3. Right: store a fresh 256-bit challenge with the confirmed OTP (one transaction with the budget unit), and answer
 *    the options: RP, a stable user handle, resident key and user verification required, the person's passkeys
 *    excluded.
 */
export async function passkeyCreationOptions(
  rt: OptionsDeps,
  input: {
    registrationId: string;
    tan: string;
    personId?: string | undefined;
    paymentConfirmation: boolean;
  },
) {
  const settings = settingsOf(rt);
  const registration = await ownRegistration(rt, input.registrationId, input.personId);
  await refuseDuringCoolingOff(rt, registration.personId, 'Binding a new device');
  const challenge = randomBytes(32).toString('base64url');
  const maxAttempts = rt.config.otpMaxAttempts;
  const result = await checkCode(
    'passkey_binding',
    {
      load: () => rt.passkeys.loadOtpCheck(registration.id, registration.personId),
      commit: (loaded, answer, charge) =>
        rt.passkeys.commitOtp({
          registration: loaded.registration!,
          answer,
          charge: charge!,
          maxAttempts,
          webauthnChallenge: challenge,
          verifiedNumber: loaded.verifiedNumber!,
          now: rt.clock.now(),
        }),
    },
    { given: input.tan, now: () => rt.clock.now(), pepper: rt.pepper },
    { maxAttempts, checksPerDay: rt.config.codeChecksPerDay },
  );
  if (result.verdict === 'wrong') throw invalidTan();
  if (result.verdict === 'unusable') {
    throw result.reason === 'missing' ? challengeNotFound() : refusal(result.reason);
  }
  if (result.verdict !== 'right') throw refusal('used');
  const bound = await rt.devices.listDevices(registration.personId, {
    includeDeleted: false,
    pageSize: MAX_ACTIVE_DEVICES,
    pageNumber: 1,
  });
  // @simplewebauthn/server loads here, not at cold start (the start route never needs it).
  const { registrationOptions } = await import('./webauthn.ts');
  return registrationOptions(settings, {
    personId: registration.personId,
    userName: registration.userName,
    challenge,
    paymentConfirmation: input.paymentConfirmation,
    exclude: bound.flatMap((device) => (device.passkey ? [device.passkey.credential_id] : [])),
  });
}

const invalidRegistration = () =>
  forbidden(
    'invalid_registration',
    'Invalid Registration',
    'The registration does not verify for this challenge, relying party and origin, with user verification.',
  );

/**
 * Complete binding a passkey.
 * 1. The enrollment must exist (404), have its OTP confirmed (403 `challenge_used` once consumed, 409 before the
 *    OTP), be unexpired (422); the person must not be cooling off (403).
 * 2. Verify the registration response against the stored challenge, the RP ID and allowed origins, with user
 *    verification (403 `invalid_registration`).
 * 3. In one transaction: consume the enrollment, activate the device with its passkey facts, store its key and
 *    credential (409 `credential_exists` when any person holds that credential id), count it against the limit
 *    (409), write DEVICE_BOUND.
 */
export async function completePasskeyBinding(
  rt: CompleteDeps,
  input: { registrationId: string; credential: RegistrationResponseJSON; personId?: string | undefined },
): Promise<DeviceView> {
  const settings = settingsOf(rt);
  const registration = await ownRegistration(rt, input.registrationId, input.personId);
  const now = rt.clock.now();
  if (registration.consumedAt) throw refusal('used');
  if (registration.expiresAtMs <= now.getTime()) throw refusal('expired');
  if (!registration.otpConfirmedAt || !registration.webauthnChallenge) {
    throw conflict('otp_required', 'OTP Required', 'Confirm the SMS OTP (options) before registering.');
  }
  await refuseDuringCoolingOff(rt, registration.personId, 'Completing a device binding');
  const { verifyRegistration } = await import('./webauthn.ts');
  const passkey = await verifyRegistration(settings, input.credential, registration.webauthnChallenge);
  metrics.signature(passkey !== undefined);
  if (!passkey) throw invalidRegistration();

  const key: KeyRecord = {
    keyId: randomUUID(),
    deviceId: registration.deviceId,
    personId: registration.personId,
    publicKey: passkeyKeyRef(passkey.credentialId),
    keyType: 'passkey',
    keyPurpose: 'unrestricted',
    createdAt: now.toISOString(),
  };
  const facts: PasskeyFacts = {
    credential_id: passkey.credentialId,
    aaguid: passkey.aaguid,
    backup_eligible: passkey.backupEligible,
    backup_state: passkey.backupState,
    transports: passkey.transports,
  };
  const event = buildEvent(
    DeviceBound,
    {
      device_id: registration.deviceId,
      person_id: registration.personId,
      key_id: key.keyId,
      key_purpose: key.keyPurpose,
      name: registration.name,
    },
    now,
  );
  const outcome = await rt.passkeys.completeRegistration({
    registration,
    key,
    credential: {
      credentialId: passkey.credentialId,
      deviceId: registration.deviceId,
      personId: registration.personId,
      keyId: key.keyId,
      publicKey: passkey.publicKey,
      counter: passkey.counter,
      createdAt: now.toISOString(),
    },
    facts,
    event,
    now,
  });
  switch (outcome) {
    case 'ok':
      metrics.deviceBound();
      return deviceView({
        id: registration.deviceId,
        personId: registration.personId,
        name: registration.name,
        status: 'active',
        createdAt: registration.createdAt,
        activeKeys: { unrestricted: key.keyId },
        passkey: facts,
      });
    case 'used':
      throw refusal('used');
    case 'credential_taken':
      throw conflict('credential_exists', 'Credential Exists', 'This passkey is already bound.');
    case 'too_many_devices':
      throw tooManyDevices();
    case 'device_gone':
      throw deviceNotFound();
  }
}
