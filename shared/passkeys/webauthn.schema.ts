import * as z from '../zod.ts';

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
