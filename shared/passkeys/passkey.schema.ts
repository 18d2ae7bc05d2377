import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { personId, type RouteSchemas } from '../validation.ts';
import * as z from '../zod.ts';
import type { DeviceProof } from './device-proof.ts';

/**
 * WebAuthn responses as browsers serialize them (`PublicKeyCredential.toJSON()`, @simplewebauthn/browser): binary
 * fields base64url. Bounded so that a body stays within the API's size limit; what they mean is checked by
 * @simplewebauthn/server.
 */
const base64url = (max: number) =>
  z.string().check(z.minLength(1), z.maxLength(max), z.regex(/^[A-Za-z0-9_-]+$/, 'must be base64url'));

const credentialId = base64url(1368);
const extensionResults = z.record(z.string(), z.unknown());
const attachment = z.optional(z.enum(['platform', 'cross-platform']));

export const webauthnAssertion = z.object({
  id: credentialId,
  rawId: credentialId,
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: base64url(8192),
    authenticatorData: base64url(4096),
    signature: base64url(1024),
    userHandle: z.optional(base64url(128)),
  }),
  clientExtensionResults: z._default(extensionResults, {}),
  authenticatorAttachment: attachment,
});

export const webauthnRegistration = z.object({
  id: credentialId,
  rawId: credentialId,
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: base64url(4096),
    attestationObject: base64url(8192),
    transports: z.optional(z.array(z.string().check(z.maxLength(32))).check(z.maxLength(8))),
  }),
  clientExtensionResults: z._default(extensionResults, {}),
  authenticatorAttachment: attachment,
});

/** The proof a confirm body carries: its `signature`, or its `webauthn` assertion. */
export const deviceProofOf = (body: { signature: string } | { webauthn: unknown }): DeviceProof =>
  'webauthn' in body
    ? { webauthn: body.webauthn as AuthenticationResponseJSON }
    : { signature: body.signature };

export const asRegistration = (value: z.output<typeof webauthnRegistration>) =>
  value as unknown as RegistrationResponseJSON;

const uuid = z.uuid({ version: 'v4', message: 'must be an id this service issued' });
const registrationPath = z.object({ registration_id: uuid });

const name = z
  .string()
  .check(
    z.trim(),
    z.minLength(1),
    z.maxLength(100),
    z.regex(/^[^\p{Cc}]*$/u, 'must not contain control characters'),
  );

export const startPasskeyBindingBody = z.object({
  person_id: personId,
  name,
  /** What the authenticator shows as the account (default: the person id). */
  user_name: z.optional(name),
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
