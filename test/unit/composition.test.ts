import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkGrants } from '../../shared/compose.ts';
import { EVENT_FUNCTIONS, HANDLER_GRANTS, handlerEntry, ROUTES } from '../../shared/routes.ts';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Modules that adapt an AWS service (or DynamoDB Local) are named after it, or live in shared/aws/. */
const ADAPTER = /^(dynamo|dynamodb|sns|sqs|eventbridge|secrets-manager)(-|\.ts$)/;
const isAdapter = (file: string) => file.startsWith('shared/aws/') || ADAPTER.test(basename(file));

describe('the AWS SDK stays in adapter modules', () => {
  it('no domain module, use case or handler imports @aws-sdk', () => {
    const offenders = [...filesUnder('shared'), ...filesUnder('functions')].filter(
      (file) => /from '@aws-sdk\//.test(readFileSync(file, 'utf8')) && !isAdapter(file),
    );
    expect(offenders).toEqual([]);
  });

  it('the rule names adapters by what they adapt', () => {
    expect(isAdapter('shared/devices/dynamo-devices.ts')).toBe(true);
    expect(isAdapter('shared/sms/sns-sms-sender.ts')).toBe(true);
    expect(isAdapter('shared/devices/device-store.ts')).toBe(false);
    expect(isAdapter('shared/codes/one-time-code.ts')).toBe(false);
  });
});

describe('layers', () => {
  it('domain modules never import the HTTP layer (errors live in shared/errors.ts)', () => {
    const domain = filesUnder('shared').filter(
      (file) => !/^shared\/(http|local|auth)\//.test(file) && file !== 'shared/openapi.ts',
    );
    const offenders = domain.filter((file) =>
      /from '\.\.?\/(\.\.\/)?http\//.test(readFileSync(file, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });
});

describe('each function is composed with exactly the SDK adapters its route grants', () => {
  it('refuses a composition that misses a granted adapter or adds one not granted', () => {
    const noop = () => ({ send: async () => {} });
    expect(() => checkGrants('verify-signature-challenge', { secrets: () => async () => '' })).not.toThrow();
    expect(() => checkGrants('verify-signature-challenge', {})).toThrow(/granted \[secrets\]/);
    expect(() =>
      checkGrants('verify-signature-challenge', { secrets: () => async () => '', sms: noop }),
    ).toThrow(/composed with \[secrets, sms\]/);
    expect(() => checkGrants('get-mobile-number', { sms: noop })).toThrow();
  });

  // Importing a handler runs its composition check (`lambdaEntry`): a handler whose imports do not match its grants
  // fails here, as it would fail its first cold start.
  for (const operation of [...ROUTES.map((route) => route.operation), ...Object.keys(EVENT_FUNCTIONS)]) {
    it(`${operation}: grants [${HANDLER_GRANTS[operation]!.join(', ')}]`, async () => {
      const entry = ROUTES.find((route) => route.operation === operation);
      const module = (await import(`../../${entry ? handlerEntry(entry) : `functions/${operation}.ts`}`)) as {
        handler: unknown;
      };
      expect(typeof module.handler).toBe('function');
    });
  }
});
