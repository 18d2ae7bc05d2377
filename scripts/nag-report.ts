/**
 * `npm run nag [-- --pack=nist-800-53-r5] [-- --context key=value ...]`: runs a cdk-nag pack over the app as
 * bin/app.ts builds it (bundling skipped) and prints the unacknowledged findings, counted by rule and listed by
 * resource. The AwsSolutions pack also runs on every synth; this is for packs the app does not enforce (the NIST
 * 800-53 rev 5 review in docs/compliance.md) and for looking at findings without a failing synth.
 */
import {
  AwsSolutionsChecks,
  HIPAASecurityChecks,
  type NagPack,
  NIST80053R5Checks,
  PCIDSS321Checks,
} from 'cdk-nag';
import { createApp } from '../lib/app.ts';

const PACKS: Record<string, () => NagPack> = {
  'aws-solutions': () => new AwsSolutionsChecks(),
  'nist-800-53-r5': () => new NIST80053R5Checks(),
  hipaa: () => new HIPAASecurityChecks(),
  'pci-dss-3.2.1': () => new PCIDSS321Checks(),
};

const args = process.argv.slice(2);
const packName = args.find((arg) => arg.startsWith('--pack='))?.slice('--pack='.length) ?? 'aws-solutions';
const makePack = PACKS[packName];
if (!makePack) {
  console.error(`unknown pack ${packName}; one of ${Object.keys(PACKS).join(', ')}`);
  process.exit(2);
}
const context: Record<string, unknown> = { 'aws:cdk:bundling-stacks': [] };
for (const [index, arg] of args.entries()) {
  if (arg === '--context' || arg === '-c') {
    const [key, ...value] = (args[index + 1] ?? '').split('=');
    if (key) context[key] = value.join('=');
  }
}

const { app } = createApp({ context });
const report = makePack().validateScope(app);
const byRule = new Map<string, string[]>();
for (const violation of report.violations) {
  const rule = `${String(violation.severity).toUpperCase()} ${violation.ruleName}`;
  const resources = byRule.get(rule) ?? [];
  resources.push(...violation.violatingResources.map((resource) => resource.constructPath ?? '?'));
  byRule.set(rule, resources);
}
const total = [...byRule.values()].reduce((sum, resources) => sum + resources.length, 0);
console.log(`${packName}: ${total} unacknowledged findings in ${byRule.size} rules`);
for (const [rule, resources] of [...byRule].sort(([a], [b]) => a.localeCompare(b))) {
  console.log(`\n${resources.length}\t${rule}`);
  console.log(`\t${resources.sort().join(' ')}`);
}
process.exitCode = total > 0 && packName === 'aws-solutions' ? 1 : 0;
