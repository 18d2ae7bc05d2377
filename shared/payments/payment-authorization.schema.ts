import { webauthnAssertion } from '../passkeys/webauthn.schema.ts';
import { personId, type RouteSchemas, wellFormed } from '../validation.ts';
import * as z from '../zod.ts';
import { MAX_AMOUNT_MINOR } from './canonical.ts';
import { isoMinorUnits } from './iso-4217.ts';
import {
  hasForbiddenCharacters,
  ibanChecksumHolds,
  normalizeShown,
  PAYEE_NAME_MAX_WIDTH,
  shownWidth,
  showsAccountNumber,
} from './shown-text.ts';

/** Solaris-style ids: 32 hex characters and the type suffix `pauth`. */
export const PAYMENT_AUTHORIZATION_ID = /^[0-9a-f]{32}pauth$/;

export const paymentAuthorizationPath = z.object({
  id: z.string().check(z.regex(PAYMENT_AUTHORIZATION_ID, 'must be a payment authorization id')),
});

export const personPaymentPath = z.object({ person_id: personId });

/**
 * Optional owner check, as on the device routes: when present, the authorization must be this person's, and
 * otherwise the answer is the same 404 as for an unknown id.
 */
export const ownerQuery = z.object({ person_id: z.optional(personId) });

type StringCheck = Parameters<ReturnType<typeof z.string>['check']>[number];

/**
 * Text shown to the person or kept as what was agreed: well-formed Unicode, no control or format characters, then
 * normalized as shown-text.ts says (NFKC, space runs collapsed, trimmed); `checks` measure the normalized text.
 */
const shownText = (rawMax: number, ...checks: StringCheck[]) =>
  z.string().check(
    z.maxLength(rawMax, 'is too long'),
    wellFormed(),
    z.refine((text) => !hasForbiddenCharacters(text), 'must not contain control or format characters'),
    z.overwrite(normalizeShown),
    z.minLength(1),
    ...checks,
  );

const description = shownText(560, z.maxLength(140));

/** The payee's name as the SMS shows it before the IBAN (see shown-text.ts for both limits). */
const payeeName = shownText(
  4 * PAYEE_NAME_MAX_WIDTH,
  z.refine(
    (name) => shownWidth(name) <= PAYEE_NAME_MAX_WIDTH,
    `must be at most ${PAYEE_NAME_MAX_WIDTH} characters as shown (wide characters count twice), so the account after it stays in view`,
  ),
  z.refine(
    (name) => !showsAccountNumber(name),
    'must not contain an account number or IBAN; send the account in iban or account_reference',
  ),
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

export const amount = z.object({
  value: z
    .number()
    .check(
      z.int('must be an integer number of minor units'),
      z.positive('must be positive'),
      z.maximum(MAX_AMOUNT_MINOR, `must be at most ${MAX_AMOUNT_MINOR} minor units`),
    ),
  currency: z.string().check(
    z.regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code of three capital letters'),
    z.refine((code) => isoMinorUnits(code) !== undefined, 'is not an active ISO 4217 currency'),
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
    .object({ name: payeeName, iban: z.optional(iban), account_reference: z.optional(accountReference) })
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
  z.object({ amount, payee, description: z.optional(description) }),
  z.discriminatedUnion('method', [
    z.object({ method: z.literal('sms') }),
    z.object({
      method: z.literal('device_signing'),
      device_id: deviceId,
      key_purpose: z.optional(z.enum(['unrestricted', 'restricted'])),
    }),
  ]),
);

/** A field of the other confirm form: absent, so a body that mixes the two forms is refused. */
const none = z.optional(z.undefined());

/**
 * The three confirm forms: by SMS the TAN with the amount and payee the partner showed the person (they must be the
 * values authorized, or the TAN does not match), by device the signature over `string_to_sign`, by passkey a WebAuthn
 * assertion. A body with fields of two forms is refused (400); other fields are ignored, as on every route.
 */
export const confirmPaymentAuthorizationBody = z.union([
  z.object({
    tan: z.string().check(z.regex(/^\d{6}$/, 'must be the six-digit TAN')),
    amount,
    payee,
    signature: none,
    device_id: none,
    webauthn: none,
  }),
  z.object({
    signature: z.string().check(z.minLength(2), z.maxLength(400)),
    device_id: z.optional(deviceId),
    tan: none,
    amount: none,
    payee: none,
    webauthn: none,
  }),
  // A bound passkey: a WebAuthn assertion (or an SPC `payment.get` one) over the terms' challenge (docs/passkeys.md).
  z.object({
    webauthn: webauthnAssertion,
    device_id: z.optional(deviceId),
    tan: none,
    amount: none,
    payee: none,
    signature: none,
  }),
]);

export type CreatePaymentAuthorizationBody = z.output<typeof createPaymentAuthorizationBody>;

/** What each payment authorization route validates, by operation (see shared/route-schemas.ts). */
export const PAYMENT_REQUESTS = {
  'create-payment-authorization': { params: personPaymentPath, body: createPaymentAuthorizationBody },
  'confirm-payment-authorization': {
    params: paymentAuthorizationPath,
    body: confirmPaymentAuthorizationBody,
  },
  'get-payment-authorization': { params: paymentAuthorizationPath, query: ownerQuery },
  'get-payment-authorization-keys': {},
} satisfies Record<string, RouteSchemas>;
