import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { type Adapters, compose } from '../../shared/compose.ts';
import { loadConfig } from '../../shared/config.ts';
import type { Clock } from '../../shared/deps.ts';
import { OutboxSmsSender } from '../../shared/sms/outbox-sms-sender.ts';
import { createDocumentClient, ensureTable } from '../../shared/storage/dynamo.ts';
import type { SecretReader } from '../../shared/storage/secret-source.ts';

/** A clock tests can move. */
export class TestClock implements Clock {
  constructor(private current = new Date('2026-11-22T10:00:00.000Z')) {}
  now() {
    return new Date(this.current);
  }
  advance(seconds: number) {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }
}

export const uniqueTable = () => `test-${randomUUID()}`;
export const uniquePerson = () => `person-${randomUUID().replaceAll('-', '')}`;

/**
 * The stores and ports on the run's DynamoDB Local, in a fresh table, with an outbox and an optional test clock,
 * composed by the same factories the functions use (for adapter and integration tests).
 */
export async function testRuntime(
  options: { clock?: Clock; env?: Record<string, string>; readSecret?: SecretReader } = {},
) {
  const env = {
    TABLE_NAME: uniqueTable(),
    DYNAMODB_ENDPOINT: inject('dynamoEndpoint'),
    OTP_PEPPER: 'test-pepper-test-pepper-test-pepper-0123',
    SMS_ADAPTER: 'outbox',
    SANDBOX_ENABLED: 'true',
    ...options.env,
  };
  const config = loadConfig(env);
  const clock = options.clock ?? { now: () => new Date() };
  const outbox = new OutboxSmsSender(() => clock.now());
  const db = createDocumentClient({ region: config.region, endpoint: config.dynamoEndpoint });
  await ensureTable(db, config.tableName);
  const adapters: Adapters = {
    env,
    db,
    clock,
    smsSender: outbox,
    ...(options.readSecret ? { readSecret: options.readSecret } : {}),
  };
  const runtime = {
    ...compose.myPhone(adapters),
    ...compose.webhooks(adapters),
    devices: compose.devices(adapters).devices,
    db,
    config,
  };
  return { runtime, outbox, adapters };
}
