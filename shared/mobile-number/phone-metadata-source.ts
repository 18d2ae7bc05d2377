import { createRequire } from 'node:module';

/** Index of the national formatting rules in a country's entry of libphonenumber-js's compressed metadata. */
const FORMATS = 4;

type CountryEntry = unknown[];
interface Metadata {
  version: number;
  country_calling_codes: Record<string, string[]>;
  countries: Record<string, CountryEntry>;
  nonGeographic?: Record<string, CountryEntry>;
}

const withoutFormats = (entries: Record<string, CountryEntry> = {}) =>
  Object.fromEntries(
    Object.entries(entries).map(([code, entry]) => [code, entry.map((v, i) => (i === FORMATS ? [] : v))]),
  );

/**
 * The metadata the service ships, derived from the installed libphonenumber-js "max" metadata (build time and
 * tests only; the functions import the generated JSON).
 */
export function phoneMetadata(): Metadata {
  const full = createRequire(import.meta.url)('libphonenumber-js/metadata.max.json') as Metadata;
  return {
    ...full,
    countries: withoutFormats(full.countries),
    nonGeographic: withoutFormats(full.nonGeographic),
  };
}

/** Index of the leading digits that tell a country from others sharing its calling code. */
const LEADING_DIGITS = 10;

/**
 * Calling code -> the countries that share it, main country first, each non-main one with the leading digits of its
 * national numbers where libphonenumber-js has them (shared/sms/calling-codes.ts is generated from this).
 */
export function callingCodeTable(): Record<string, Array<[string] | [string, string]>> {
  const full = createRequire(import.meta.url)('libphonenumber-js/metadata.min.json') as Metadata;
  return Object.fromEntries(
    Object.entries(full.country_calling_codes).map(([code, countries]) => [
      code,
      countries.map((country, index): [string] | [string, string] => {
        const leading = full.countries[country]?.[LEADING_DIGITS];
        return index > 0 && typeof leading === 'string' ? [country, leading] : [country];
      }),
    ]),
  );
}
