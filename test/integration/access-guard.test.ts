import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { RouteDefinition } from '../../shared/routes.ts';
import {
  AccessDenied,
  guardTableAccess,
  requireGrant,
  runAsRoute,
} from '../../shared/storage/access-guard.ts';
import { testRuntime } from '../support/harness.ts';

const reader: RouteDefinition = {
  operation: 'reader',
  method: 'GET',
  path: '/r',
  summary: '',
  table: ['GetItem'],
};

describe('route-table access guard (local and test mode)', () => {
  it('lets a request use only the table actions its route lists', async () => {
    const { runtime } = await testRuntime();
    guardTableAccess(runtime.db);
    const TableName = runtime.config.tableName;
    const Key = { PK: 'X', SK: 'X' };
    await expect(
      runAsRoute(reader, () => runtime.db.send(new GetCommand({ TableName, Key }))),
    ).resolves.toBeDefined();
    await expect(
      runAsRoute(reader, () => runtime.db.send(new PutCommand({ TableName, Item: Key }))),
    ).rejects.toBeInstanceOf(AccessDenied);
    // Outside a request (the event relay, tests' own setup) nothing is restricted.
    await expect(runtime.db.send(new PutCommand({ TableName, Item: Key }))).resolves.toBeDefined();
  });

  it('refuses the pepper, SMS and the webhook key to routes without the grant', async () => {
    for (const grant of ['usesPepper', 'sendsSms', 'usesWebhookKey'] as const) {
      await expect(runAsRoute(reader, async () => requireGrant(grant))).rejects.toBeInstanceOf(AccessDenied);
      await expect(
        runAsRoute({ ...reader, [grant]: true }, async () => requireGrant(grant)),
      ).resolves.toBeUndefined();
    }
  });
});
