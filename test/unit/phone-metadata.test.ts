import { randomInt } from 'node:crypto';
import examples from 'libphonenumber-js/examples.mobile.json' with { type: 'json' };
import { parsePhoneNumberFromString as parseWithFullMetadata } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import { phoneMetadata } from '../../shared/mobile-number/phone-metadata-source.ts';
import {
  normalizeMobileNumber,
  phoneMetadata as shippedMetadata,
} from '../../shared/mobile-number/phone-number.ts';

/** What the service decided before it shipped trimmed metadata: libphonenumber-js with its full metadata. */
function referenceCheck(input: string): string {
  const parsed = parseWithFullMetadata(input);
  if (!parsed?.isValid()) return 'invalid';
  if (parsed.number !== input) return 'not canonical';
  return parsed.getType() ?? 'no type';
}

function serviceCheck(input: string): string {
  const checked = normalizeMobileNumber(input, { sandboxEnabled: false });
  if (checked.ok) return 'ok';
  return checked.reason;
}

describe('trimmed phone metadata', () => {
  it('is the one the installed libphonenumber-js generates (run npm run phone-metadata after an upgrade)', () => {
    expect(shippedMetadata()).toEqual(phoneMetadata());
  });

  it('decides like the full metadata on random numbers of every calling code and variants of every example', () => {
    const metadata = phoneMetadata();
    const codes = Object.keys(metadata.country_calling_codes);
    const inputs: string[] = [];
    for (let i = 0; i < 40_000; i++) {
      const code = codes[i % codes.length]!;
      const length = randomInt(4, 16 - code.length);
      inputs.push(`+${code}${Array.from({ length }, () => randomInt(0, 10)).join('')}`);
    }
    // Each country's example mobile number with its last digits varied: these land on valid numbers of all types.
    for (const [country, national] of Object.entries(examples)) {
      const code = (metadata.countries[country] as unknown[])[0] as string;
      for (let i = 0; i < 100; i++) {
        const keep = national.length - randomInt(1, 4);
        const tail = Array.from({ length: national.length - keep }, () => randomInt(0, 10)).join('');
        inputs.push(
          `+${code}${national.slice(0, keep)}${tail}`,
          `+${code}${randomInt(1, 10)}${national.slice(1)}`,
        );
      }
    }
    const disagreements: string[] = [];
    let valid = 0;
    for (const input of inputs) {
      if (!/^\+[1-9]\d{4,14}$/.test(input)) continue;
      const reference = referenceCheck(input);
      const service = serviceCheck(input);
      if (reference !== 'invalid' && reference !== 'not canonical') valid++;
      const agrees =
        reference === 'invalid'
          ? service === 'is not a valid phone number'
          : reference === 'not canonical'
            ? service === 'is not in canonical E.164 form'
            : ['PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'UAN', 'VOICEMAIL', 'PAGER'].includes(reference)
              ? service === `is a ${reference.toLowerCase().replaceAll('_', '-')} number`
              : service === 'ok';
      if (!agrees) disagreements.push(`${input}: full metadata ${reference}, service ${service}`);
    }
    expect(disagreements).toEqual([]);
    // The corpus must reach the interesting cases, not only invalid numbers.
    expect(valid).toBeGreaterThan(10_000);
  });
});
