import { webauthnAssertion } from '../passkeys/webauthn.schema.ts';
import { personId, type RouteSchemas } from '../validation.ts';
import * as z from '../zod.ts';

export const changeRequestPath = z.object({
  id: z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[A-Za-z0-9_-]+$/)),
});

const deviceId = z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[A-Za-z0-9_-]+$/));

export const authorizeChangeRequestBody = z.discriminatedUnion('delivery_method', [
  z.object({ delivery_method: z.literal('mobile_number'), person_id: personId }),
  z.object({
    delivery_method: z.literal('device_signing'),
    device_id: deviceId,
    key_purpose: z.optional(z.enum(['unrestricted', 'restricted'])),
  }),
]);

/**
 * The two confirm forms are told apart by their fields, so each stays strict: a body carrying fields of both is
 * refused (400) rather than read as one of them. Elsewhere unknown fields are ignored (and dropped).
 */
export const confirmChangeRequestBody = z.union([
  z.strictObject({
    person_id: personId,
    // A TAN of the wrong form cannot be right: 403 invalid_tan as a wrong one (confirmWithTan), not 400.
    tan: z.string().check(z.maxLength(200)),
  }),
  z.strictObject({ device_id: deviceId, signature: z.string().check(z.minLength(2), z.maxLength(400)) }),
  // A bound passkey answers with a WebAuthn assertion over the request's device challenge (docs/passkeys.md).
  z.strictObject({ device_id: deviceId, webauthn: webauthnAssertion }),
]);

/** Request schemas by operation (the route table's `operation`): what each route validates and OpenAPI documents. */
export const CHANGE_REQUEST_REQUESTS = {
  'authorize-change-request': { params: changeRequestPath, body: authorizeChangeRequestBody },
  'confirm-change-request': { params: changeRequestPath, body: confirmChangeRequestBody },
  'get-change-request': { params: changeRequestPath },
} satisfies Record<string, RouteSchemas>;
