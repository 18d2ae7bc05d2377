import { parseCountryList } from '../config.ts';
import { DomainError } from '../errors.ts';
import { metrics } from '../metrics.ts';
import { CALLING_CODES } from './calling-codes.ts';

/**
 * The ISO 3166 country an E.164 number belongs to, from its calling code (the longest of 1 to 3 digits that exists)
 * and, where countries share a code, the leading digits of the national number (+1 876 is Jamaica, +7 7 Kazakhstan,
 * +39 06698 the Vatican). Where libphonenumber-js has no leading digits for a sharing country (CA under +1, GG and JE
 * under +44, CC and CX under +61, EH under +212, YT under +262, BL and MF under +590), the number counts as the
 * main country's. `undefined` for a calling code no country has (the sandbox number +1 555 0101 is US by code).
 */
export function countryOf(number: string): string | undefined {
  const digits = number.replace(/^\+/, '');
  for (const length of [1, 2, 3]) {
    const countries = CALLING_CODES[digits.slice(0, length)];
    if (!countries) continue;
    const national = digits.slice(length);
    for (const [country, leading] of countries.slice(1)) {
      if (leading && new RegExp(`^(?:${leading})`).test(national)) return country;
    }
    return countries[0]![0];
  }
  return undefined;
}

/** The allow-list, once every code in it is a country with SMS service (a calling code); throws otherwise. */
export function requireKnownCountries(list: ReadonlySet<string> | 'all'): ReadonlySet<string> | 'all' {
  if (list === 'all') return list;
  const known = new Set(Object.values(CALLING_CODES).flatMap((countries) => countries.map(([c]) => c)));
  const unknown = [...list].filter((code) => !known.has(code));
  if (unknown.length > 0) {
    throw new Error(`not a list of ISO 3166 country codes with SMS service: ${unknown.join(',')}`);
  }
  return list;
}

/** Parses a country allow-list: comma-separated ISO 3166 alpha-2 codes, or `*` for every country. */
export const parseSmsCountries = (text: string): ReadonlySet<string> | 'all' =>
  requireKnownCountries(parseCountryList(text));

/**
 * The destination-country check, before an SMS is charged to any limit or sent: a number in a country outside the
 * allow-list answers 422 `sms_country_not_allowed` (gRPC FAILED_PRECONDITION in the end-user API).
 */
export function assertSmsCountryAllowed(number: string, allowed: ReadonlySet<string> | 'all'): string {
  const country = countryOf(number) ?? 'unknown';
  if (allowed !== 'all' && !allowed.has(country)) throw smsCountryNotAllowed(country);
  return country;
}

export const smsCountryNotAllowed = (country: string) =>
  new DomainError(
    422,
    'sms_country_not_allowed',
    'SMS Country Not Allowed',
    `This service does not send SMS to numbers of country ${country}.`,
  );

/** The one check on the SMS dispatching path: the destination's country, refused (and counted) when not allowed. */
export function checkSmsDestination(number: string, allowed: ReadonlySet<string> | 'all'): string {
  try {
    return assertSmsCountryAllowed(number, allowed);
  } catch (error) {
    metrics.smsRefused('country', countryOf(number) ?? 'unknown');
    throw error;
  }
}
