/**
 * Writes shared/mobile-number/phone-metadata.json: libphonenumber-js's full ("max") metadata without the national
 * formatting rules. The service parses E.164 numbers, validates them and tells their type, and never formats one,
 * so the formats (a third of the metadata) would only add about 50 KB to every function that checks numbers.
 * Run `npm run phone-metadata` after upgrading libphonenumber-js; a unit test fails while the file is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { phoneMetadata } from '../shared/mobile-number/phone-metadata-source.ts';

const target = fileURLToPath(new URL('../shared/mobile-number/phone-metadata.json', import.meta.url));
writeFileSync(target, `${JSON.stringify(phoneMetadata())}\n`);
console.log(`wrote ${target}`);
