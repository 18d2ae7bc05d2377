import { webauthnAssertion } from '../passkeys/webauthn.schema.ts';
import { personId, type RouteSchemas } from '../validation.ts';
import * as z from '../zod.ts';

/** Solaris-style ids: 32 hex characters and the type suffix `pauth`. */
export const PAYMENT_AUTHORIZATION_ID = /^[0-9a-f]{32}pauth$/;

export const paymentAuthorizationPath = z.object({
  id: z.string().check(z.regex(PAYMENT_AUTHORIZATION_ID, 'must be a payment authorization id')),
});

export const personPaymentPath = z.object({ person_id: personId });

/** ISO 4217 codes ICU knows (the active ones, and some historic); anything else is refused before it is shown. */
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/** Text shown to the person: no control characters (so no line breaks), Unicode NFC, trimmed. */
const shownText = (max: number) =>
  z
    .string()
    .check(
      z.trim(),
      z.normalize('NFC'),
      z.minLength(1),
      z.maxLength(max),
      z.regex(/^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]*$/u, 'must not contain control or format characters'),
    );

/** An IBAN: spaces are dropped and letters capitalized, then ISO 13616's form and mod-97 check digits must hold. */
const iban = z.pipe(
  z.string().check(
    z.maxLength(50),
    z.overwrite((value) => value.replaceAll(' ', '').toUpperCase()),
  ),
  z
    .string()
    .check(
      z.regex(/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/, 'must be an IBAN'),
      z.refine(ibanChecksumHolds, 'must be an IBAN with valid check digits'),
    ),
);

function ibanChecksumHolds(value: string): boolean {
  const rearranged = value.slice(4) + value.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const digits = /[A-Z]/.test(char) ? String(char.charCodeAt(0) - 55) : char;
    for (const digit of digits) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

export const amount = z.object({
  value: z
    .number()
    .check(
      z.int('must be an integer number of minor units'),
      z.positive('must be positive'),
      z.maximum(Number.MAX_SAFE_INTEGER, 'is too large'),
    ),
  currency: z.string().check(
    z.regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code of three capital letters'),
    z.refine((code) => CURRENCIES.has(code), 'is not an ISO 4217 currency'),
  ),
});

const accountReference = z
  .string()
  .check(
    z.trim(),
    z.minLength(1),
    z.maxLength(64),
    z.regex(/^[\x21-\x7E]+$/, 'must be printable ASCII without spaces'),
  );

/**
 * The payee: a name and exactly one of IBAN and account reference (a body naming both, or neither, is refused; other
 * fields are ignored, as elsewhere).
 */
export const payee = z.pipe(
  z
    .object({ name: shownText(70), iban: z.optional(iban), account_reference: z.optional(accountReference) })
    .check(
      z.refine((value) => (value.iban === undefined) !== (value.account_reference === undefined), {
        message: 'must name exactly one of iban and account_reference',
      }),
    ),
  z.transform((value): { name: string; iban: string } | { name: string; account_reference: string } =>
    value.iban !== undefined
      ? { name: value.name, iban: value.iban }
      : { name: value.name, account_reference: value.account_reference! },
  ),
);

const deviceId = z.uuid({ version: 'v4', message: 'must be an id this service issued' });

export const createPaymentAuthorizationBody = z.intersection(
  z.object({ amount, payee, description: z.optional(shownText(140)) }),
  z.discriminatedUnion('method', [
    z.object({ method: z.literal('sms') }),
    z.object({
      method: z.literal('device_signing'),
      device_id: deviceId,
      key_purpose: z.optional(z.enum(['unrestricted', 'restricted'])),
    }),
  ]),
);

/**
 * The two confirm forms: by SMS the TAN with the amount and payee the partner showed the person (they must be the
 * values authorized, or the TAN does not match), by device the signature over `string_to_sign`. A body with fields
 * of both is refused (400).
 */
export const confirmPaymentAuthorizationBody = z.union([
  z.strictObject({
    tan: z.string().check(z.regex(/^\d{6}$/, 'must be the six-digit TAN')),
    amount,
    payee,
  }),
  z.strictObject({
    signature: z.string().check(z.minLength(2), z.maxLength(400)),
    device_id: z.optional(deviceId),
  }),
  // A bound passkey: a WebAuthn assertion (or an SPC `payment.get` one) over the terms' challenge (docs/passkeys.md).
  z.strictObject({ webauthn: webauthnAssertion, device_id: z.optional(deviceId) }),
]);

export type CreatePaymentAuthorizationBody = z.output<typeof createPaymentAuthorizationBody>;

/** What each payment authorization route validates, by operation (see shared/route-schemas.ts). */
export const PAYMENT_REQUESTS = {
  'create-payment-authorization': { params: personPaymentPath, body: createPaymentAuthorizationBody },
  'confirm-payment-authorization': {
    params: paymentAuthorizationPath,
    body: confirmPaymentAuthorizationBody,
  },
  'get-payment-authorization': { params: paymentAuthorizationPath },
  'get-payment-authorization-keys': {},
} satisfies Record<string, RouteSchemas>;
