import * as z from '../zod.ts';

/** Zitadel's `code` field: non-empty, at most 200 characters. */
const code = z.string().check(z.minLength(1), z.maxLength(200));

export const setMyPhoneBody = z.strictObject({
  phone: z.string().check(z.minLength(1), z.maxLength(50)),
  /** Accepted for Zitadel compatibility; `true` is refused: a user cannot vouch for their own number. */
  isVerified: z.optional(z.boolean()),
});

export const verifyMyPhoneBody = z.strictObject({ code });

/** DELETE body: empty to ask for a removal code (verified phone), or the code received. */
export const removeMyPhoneBody = z.strictObject({ code: z.optional(code) });

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

export interface MyPhoneView extends DetailsView {
  phone: string;
  isPhoneVerified: boolean;
}
