import { createHash } from 'node:crypto';
import type { Language } from '../sms/templates.ts';

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
 *   payee_name:<the name, Unicode NFC, trimmed>
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

/** Digits after the decimal point of a currency's minor unit (EUR 2, JPY 0, KWD 3), from ICU's ISO 4217 data. */
export const minorDigits = (currency: string): number =>
  new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;

/**
 * An amount in minor units as the person's language writes it (`€12.50`, `12,50 €`). ICU's no-break spaces become
 * plain spaces: the GSM 7-bit alphabet of an SMS has none, and they would turn the whole text into UCS-2.
 */
export function formatAmount(amount: PaymentTerms['amount'], language: Language): string {
  const digits = minorDigits(amount.currency);
  const major = amount.value / 10 ** digits;
  return new Intl.NumberFormat(LOCALES[language], {
    style: 'currency',
    currency: amount.currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  })
    .format(major)
    .replace(/[\u00a0\u202f]/g, ' ');
}

/** The payee as the SMS and the device show it: the name, then the IBAN (in groups of four) or the reference. */
export function formatPayee(payee: PaymentTerms['payee']): string {
  const account = 'iban' in payee ? payee.iban.replace(/(.{4})(?=.)/g, '$1 ') : payee.account_reference;
  return `${payee.name} (${account})`;
}
