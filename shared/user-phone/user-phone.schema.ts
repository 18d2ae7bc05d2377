import type { RouteSchemas } from '../validation.ts';
import * as z from '../zod.ts';

/** Zitadel's `code` field: non-empty, at most 200 characters. */
const code = z.string().check(z.minLength(1), z.maxLength(200));

export const setMyPhoneBody = z.object({
  phone: z.string().check(z.minLength(1), z.maxLength(50)),
  /** Accepted for Zitadel compatibility; `true` is refused: a user cannot vouch for their own number. */
  isVerified: z.optional(z.boolean()),
});

export const verifyMyPhoneBody = z.object({ code });

/** DELETE body: empty to ask for a removal code (verified phone), or the code received. */
export const removeMyPhoneBody = z.object({ code: z.optional(code) });

/** Zitadel's ObjectDetails. `sequence` is a uint64, which the gRPC gateway writes as a string. */
export interface ObjectDetails {
  sequence: string;
  creationDate: string;
  changeDate: string;
  resourceOwner: string;
}

export interface DetailsView {
  details: ObjectDetails;
}

/** Zitadel's GetMyPhoneResponse (`zitadel.auth.v1`, see `@zitadel/proto`): the phone is a nested `zitadel.user.v1.Phone`. */
export interface MyPhoneView extends DetailsView {
  phone: { phone: string; isPhoneVerified: boolean };
}

/**
 * The Connect protocol's request messages (protobuf JSON). Zitadel's SetMyPhoneRequest has only `phone`, and
 * RemoveMyPhoneRequest and ResendMyPhoneVerificationRequest are empty; `code` on RemoveMyPhone is our extension
 * (the removal code of a verified phone), which the SDK cannot send. Unknown fields are ignored, as protobuf JSON
 * readers that accept newer messages do.
 */
export const connectSetMyPhoneBody = z.object({ phone: z.string().check(z.minLength(1), z.maxLength(50)) });
export const connectVerifyMyPhoneBody = z.object({ code });
export const connectRemoveMyPhoneBody = z.object({ code: z.optional(code) });
export const connectEmptyBody = z.object({});

/** Request schemas by operation (the route table's `operation`): what each route validates and OpenAPI documents. */
export const USER_PHONE_REQUESTS = {
  'set-my-phone': { body: setMyPhoneBody },
  'remove-my-phone': { body: removeMyPhoneBody },
  'verify-my-phone': { body: verifyMyPhoneBody },
  // The Connect protocol's twins (POST /zitadel.auth.v1.AuthService/<Method>): every method takes a JSON body.
  'connect-get-my-phone': { body: connectEmptyBody },
  'connect-set-my-phone': { body: connectSetMyPhoneBody },
  'connect-remove-my-phone': { body: connectRemoveMyPhoneBody },
  'connect-resend-my-phone-verification': { body: connectEmptyBody },
  'connect-verify-my-phone': { body: connectVerifyMyPhoneBody },
} satisfies Record<string, RouteSchemas>;
