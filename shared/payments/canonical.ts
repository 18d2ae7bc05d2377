import { createHash } from 'node:crypto';
import type { Language } from '../sms/templates.ts';
import { isoMinorUnits } from './iso-4217.ts';

/** What a payment authorization authorizes: the values dynamic linking binds the person's answer to. */
export interface PaymentTerms {
  /** In the currency's minor units (cents for EUR), a positive integer. */
  amount: { value: number; currency: string };
  payee: { name: string } & ({ iban: string } | { account_reference: string });
}

/**
 * The canonical form of an authorization's terms, version 1. The device signs exactly these bytes
 * (`string_to_sign`), and their SHA-256 is the digest the SMS TAN is bound to and the receipt carries:
 *
 *   PAYMENT_AUTHORIZATION v1
 *   authorization_id:<id>
 *   amount:<value in minor units, decimal digits, no sign, no leading zeros>
 *   currency:<ISO 4217 code, three capital letters>
 *   payee_name:<the name as shown: Unicode NFKC, space runs collapsed, trimmed (shared/payments/shown-text.ts)>
 *   payee_iban:<the IBAN, capital letters and digits, no spaces>      (or)
 *   payee_account_reference:<the reference, as given>
 *
 * Lines are separated by a single LF (0x0A), with none after the last; the text is UTF-8. No value can hold a line
 * break or any other control character (the request schema refuses them), so the form has one reading only.
 */
export const CANONICAL_VERSION = 'PAYMENT_AUTHORIZATION v1';

export function canonicalTerms(authorizationId: string, terms: PaymentTerms): string {
  const payee =
    'iban' in terms.payee
      ? `payee_iban:${terms.payee.iban}`
      : `payee_account_reference:${terms.payee.account_reference}`;
  return [
    CANONICAL_VERSION,
    `authorization_id:${authorizationId}`,
    `amount:${terms.amount.value}`,
    `currency:${terms.amount.currency}`,
    `payee_name:${terms.payee.name}`,
    payee,
  ].join('\n');
}

/** SHA-256 of the canonical form's UTF-8 bytes, lowercase hex. */
export const termsDigest = (authorizationId: string, terms: PaymentTerms): string =>
  createHash('sha256').update(canonicalTerms(authorizationId, terms), 'utf8').digest('hex');

/** The locale each SMS language formats amounts in. */
const LOCALES: Record<Language, string> = { en: 'en-GB', de: 'de-DE', fr: 'fr-FR', it: 'it-IT', es: 'es-ES' };

/**
 * The largest amount a payment may name, in minor units: 15 digits. Every value up to it is an exact integer in a JSON
 * number (2^53 is about 9.0e15), and its longest text (`EUR 9,999,999,999,999.99`) leaves room for the payee and the
 * IBAN in a lock-screen preview (shared/payments/shown-text.ts).
 */
export const MAX_AMOUNT_MINOR = 999_999_999_999_999;

/** Digits after the decimal point of a currency's minor unit (EUR 2, JPY 0, KWD 3), from the ISO 4217 table. */
export function minorDigits(currency: string): number {
  const digits = isoMinorUnits(currency);
  if (digits === undefined) throw new Error(`${currency} is not an ISO 4217 currency with minor units`);
  return digits;
}

/** Minor units as an exact decimal string (`150000`, 2 → `1500.00`), by string arithmetic, never by division. */
export function decimalOf(value: number, digits: number): string {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError('an amount is a non-negative safe integer');
  const text = String(value).padStart(digits + 1, '0');
  return digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/**
 * An amount in minor units as the person's language writes it (`€12.50`, `12,50 €`). ICU formats the exact decimal
 * string (no floating point on the way) with ISO's minor units, not its own. ICU's no-break spaces become plain
 * spaces: the GSM 7-bit alphabet of an SMS has none, and they would turn the whole text into UCS-2.
 */
export function formatAmount(amount: PaymentTerms['amount'], language: Language): string {
  const digits = minorDigits(amount.currency);
  return new Intl.NumberFormat(LOCALES[language], {
    style: 'currency',
    currency: amount.currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  })
    .format(decimalOf(amount.value, digits) as Intl.StringNumericLiteral)
    .replace(/[\u00a0\u202f]/g, ' ');
}

/** The payee as the SMS and the device show it: the name, then the IBAN (in groups of four) or the reference. */
export function formatPayee(payee: PaymentTerms['payee']): string {
  const account = 'iban' in payee ? payee.iban.replace(/(.{4})(?=.)/g, '$1 ') : payee.account_reference;
  return `${payee.name} (${account})`;
}
