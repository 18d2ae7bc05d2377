/**
 * `npm run docs:settings`: writes the settings reference table into docs/configuration.md, between the markers
 * `<!-- settings:begin -->` and `<!-- settings:end -->`, from the declarations in lib/settings.ts. The prose around the
 * markers is left as it is. test/cdk/settings.test.ts fails when the file differs from what this writes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../lib/service-function.ts';
import { withSettingsTable } from '../lib/settings.ts';

const file = join(PROJECT_ROOT, 'docs', 'configuration.md');
const before = readFileSync(file, 'utf8');
const after = withSettingsTable(before);
if (after === before) console.log('docs/configuration.md: the settings table is up to date');
else {
  writeFileSync(file, after);
  console.log('docs/configuration.md: settings table written');
}
