import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { deviceName } from '../devices/device.schema.ts';
import { personId, type RouteSchemas } from '../validation.ts';
import * as z from '../zod.ts';
import { webauthnRegistration } from './webauthn.schema.ts';

export const asRegistration = (value: z.output<typeof webauthnRegistration>) =>
  value as unknown as RegistrationResponseJSON;

const uuid = z.uuid({ version: 'v4', message: 'must be an id this service issued' });
const registrationPath = z.object({ registration_id: uuid });

export const startPasskeyBindingBody = z.object({
  person_id: personId,
  name: deviceName,
  /** What the authenticator shows as the account (default: the person id). */
  user_name: z.optional(deviceName),
  language: z.optional(z.enum(['de', 'en', 'fr', 'it', 'es'])),
});

export const passkeyOptionsBody = z.object({
  tan: z.string().check(z.maxLength(200)),
  person_id: z.optional(personId),
  /**
   * A passkey for Secure Payment Confirmation too (default): a platform authenticator with the `payment` extension.
   * `false` admits any authenticator (a security key, a phone across devices), for WebAuthn assertions only.
   */
  payment_confirmation: z._default(z.boolean(), true),
});

export const finishPasskeyBindingBody = z.object({
  credential: webauthnRegistration,
  person_id: z.optional(personId),
});

/** Request schemas by operation (the route table's `operation`). */
export const PASSKEY_REQUESTS = {
  'create-passkey-registration': { body: startPasskeyBindingBody },
  'create-passkey-registration-options': { params: registrationPath, body: passkeyOptionsBody },
  'complete-passkey-registration': { params: registrationPath, body: finishPasskeyBindingBody },
} satisfies Record<string, RouteSchemas>;
