import { gunzipSync } from 'node:zlib';
import { type MetadataJson, parsePhoneNumberFromString } from 'libphonenumber-js/core';
import { PACKED_PHONE_METADATA } from './phone-metadata.packed.ts';

let metadata: MetadataJson | undefined;

/** libphonenumber-js's full metadata without formatting rules (see scripts/phone-metadata.ts), unpacked once. */
export function phoneMetadata(): MetadataJson {
  metadata ??= JSON.parse(gunzipSync(Buffer.from(PACKED_PHONE_METADATA, 'base64')).toString('utf8'));
  return metadata!;
}

/** The Solaris sandbox number. Not a valid E.164 number for any carrier: it passes only by this allow-list. */
export const SANDBOX_NUMBER = '+15550101';
/** The OTP the sandbox number always receives. */
export const SANDBOX_OTP = '212212';

/** Separators the API removes before validating (as the Solaris reference describes). */
const SEPARATORS = /[\s\-_/]/g;

const REFUSED_TYPES = new Set(['PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'UAN', 'VOICEMAIL', 'PAGER']);

export type NumberCheck = { ok: true; number: string } | { ok: false; reason: string };

/**
 * Sanitizes and validates a mobile number: removes spaces, dashes, underscores and slashes, then requires a valid
 * E.164 number (libphonenumber-js metadata, so the country's number plan is checked, not just the digit count).
 */
export function normalizeMobileNumber(input: string, options: { sandboxEnabled: boolean }): NumberCheck {
  const stripped = input.replace(SEPARATORS, '');
  if (options.sandboxEnabled && stripped === SANDBOX_NUMBER) return { ok: true, number: SANDBOX_NUMBER };
  if (!/^\+[1-9]\d{4,14}$/.test(stripped)) {
    return { ok: false, reason: 'must be in E.164 format: a plus sign and up to 15 digits' };
  }
  const parsed = parsePhoneNumberFromString(stripped, phoneMetadata());
  if (!parsed?.isValid()) return { ok: false, reason: 'is not a valid phone number' };
  if (parsed.number !== stripped) return { ok: false, reason: 'is not in canonical E.164 form' };
  // SMS to premium-rate and other service numbers cost the sender money or reach no person: a classic SMS
  // pumping target. Landlines stay allowed (the seeds' own example is one; many receive SMS as voice).
  const type = parsed.getType();
  if (type && REFUSED_TYPES.has(type))
    return { ok: false, reason: `is a ${type.toLowerCase().replaceAll('_', '-')} number` };
  return { ok: true, number: parsed.number };
}

/**
 * A number a caller gives for a person's existing number (authorize, confirm, delete): separators and `+` removed
 * and the E.164 digits required, then the use case compares it with the stored number, which was fully checked when it was
 * registered. No metadata is needed, so these functions do not bundle it.
 */
export function givenNumber(input: string): NumberCheck {
  // "The API will remove all whitespaces and the + character" (Solaris reference, authorize / confirm / delete).
  const digits = input.replace(SEPARATORS, '').replaceAll('+', '');
  if (!/^[1-9]\d{4,14}$/.test(digits)) {
    return { ok: false, reason: 'must be in E.164 format: up to 15 digits, the plus sign optional' };
  }
  return { ok: true, number: `+${digits}` };
}

export const isSandboxNumber = (number: string, sandboxEnabled: boolean) =>
  sandboxEnabled && number === SANDBOX_NUMBER;
