import { webauthnAssertion } from '../passkeys/webauthn.schema.ts';
import { deviceData, personId, type RouteSchemas } from '../validation.ts';
import * as z from '../zod.ts';
import { KEY_PURPOSES, type PasskeyFacts } from './device-records.ts';

/** Ids this service hands out are UUIDs; anything else cannot name a device, key or challenge. */
const uuid = z.uuid({ version: 'v4', message: 'must be an id this service issued' });

/** Hex, bounded; whether it is a valid point or DER signature is decided in the use case (clear messages there). */
const publicKeyHex = z.string().check(z.minLength(1), z.maxLength(200));
const signatureHex = z.string().check(z.minLength(1), z.maxLength(200));
const keyPurpose = z.enum(KEY_PURPOSES);

export const devicePath = z.object({ device_id: uuid });
export const deviceKeyPath = z.object({ device_id: uuid, key_id: uuid });
export const challengePath = z.object({ challenge_id: uuid });

/**
 * Optional owner check on routes that name a device or challenge by id: when present, the object must belong to this
 * person, and otherwise the answer is the same 404 as for an unknown id.
 */
export const ownerQuery = z.object({ person_id: z.optional(personId) });

/** A device's name: 1-100 characters, trimmed, no control characters. */
export const deviceName = z
  .string()
  .check(
    z.trim(),
    z.minLength(1),
    z.maxLength(100),
    z.regex(/^[^\p{Cc}]*$/u, 'must not contain control characters'),
  );

export const bindDeviceBody = z.object({
  person_id: personId,
  key_type: z.literal('ecdsa-p256', { message: 'only ecdsa-p256 is supported' }),
  challenge_type: z._default(z.literal('sms', { message: 'only sms is supported' }), 'sms'),
  key: publicKeyHex,
  key_purpose: z._default(keyPurpose, 'unrestricted'),
  name: deviceName,
  sms_challenge: z.optional(
    z.object({
      // Android SMS Retriever: the app's 11-character hash, placed as the SMS's last line.
      app_signature: z.string().check(z.regex(/^[A-Za-z0-9+/_-]{11}$/, 'must be the 11-character app hash')),
    }),
  ),
  language: z.optional(z.enum(['de', 'en', 'fr'])),
  device_data: deviceData,
});

export const verifySignatureChallengeBody = z.object({
  signature: signatureHex,
  person_id: z.optional(personId),
  device_data: deviceData,
});

export const listDevicesQuery = z.object({
  'filter[person_id]': personId,
  'filter[include_deleted]': z._default(z.enum(['true', 'false']), 'false'),
  'page[size]': z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 10),
  'page[number]': z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 1),
});

export const addDeviceKeyBody = z.object({
  key: publicKeyHex,
  key_type: z.literal('ecdsa-p256', { message: 'only ecdsa-p256 is supported' }),
  key_purpose: keyPurpose,
  device_signature: z.object({ signature_key_purpose: keyPurpose, signature: signatureHex }),
  person_id: z.optional(personId),
  device_data: deviceData,
});

export const createDeviceChallengeBody = z.object({
  device_id: uuid,
  key_purpose: z._default(keyPurpose, 'unrestricted'),
  person_id: z.optional(personId),
});

/** A field of the other answer form: absent, so a body that mixes a signature and an assertion is refused. */
const none = z.optional(z.undefined());

export const verifyDeviceChallengeBody = z.union([
  z.object({
    signature: signatureHex,
    person_id: z.optional(personId),
    device_data: deviceData,
    webauthn: none,
  }),
  // A bound passkey answers with a WebAuthn assertion over the challenge's `webauthn.challenge`.
  z.object({
    webauthn: webauthnAssertion,
    person_id: z.optional(personId),
    device_data: deviceData,
    signature: none,
  }),
]);

export interface DeviceView {
  id: string;
  name: string;
  person_id: string;
  created_at: string;
  deleted_at: string | null;
  /** Extension: pending until the binding signature arrives. */
  status: 'pending' | 'active' | 'deleted';
  /** Extension: an app's ECDSA key, or a passkey (with what its authenticator told at registration). */
  device_type: 'ecdsa-p256' | 'passkey';
  passkey?: PasskeyFacts;
}

export interface KeyView {
  key_id: string;
  key_purpose: string;
  key_type: 'ecdsa-p256' | 'passkey';
  used_at: string | null;
}

export interface ChallengeView {
  id: string;
  type: 'signature' | 'device';
  created_at: string;
  expires_at: string;
  /** Extension: pending, completed, expired or failed (out of attempts). */
  status: 'pending' | 'completed' | 'expired' | 'failed';
  string_to_sign?: string;
  /** For a passkey: the WebAuthn challenge derived from `string_to_sign`, and the credential to answer with. */
  webauthn?: { challenge: string; credential_id: string };
}

/** Request schemas by operation (the route table's `operation`): what each route validates and OpenAPI documents. */
export const DEVICE_REQUESTS = {
  'create-device': { body: bindDeviceBody },
  'list-devices': { query: listDevicesQuery },
  'get-device': { params: devicePath, query: ownerQuery },
  'delete-device': { params: devicePath, query: ownerQuery },
  'get-signature-challenge': { params: challengePath, query: ownerQuery },
  'verify-signature-challenge': { params: challengePath, body: verifySignatureChallengeBody },
  'add-device-key': { params: devicePath, body: addDeviceKeyBody },
  'list-device-keys': { params: devicePath, query: ownerQuery },
  'get-device-key': { params: deviceKeyPath, query: ownerQuery },
  'create-device-challenge': { body: createDeviceChallengeBody },
  'get-device-challenge': { params: challengePath, query: ownerQuery },
  'verify-device-challenge': { params: challengePath, body: verifyDeviceChallengeBody },
} satisfies Record<string, RouteSchemas>;
