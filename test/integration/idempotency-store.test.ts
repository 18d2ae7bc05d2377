import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import * as compose from '../../shared/compose.ts';
import { ROUTE_TIMEOUT_SECONDS } from '../../shared/config.ts';
import { DynamoIdempotencyStore } from '../../shared/idempotency/dynamo-idempotency-store.ts';
import {
  IDEMPOTENCY_TTL_SECONDS,
  idempotent,
  LEASE_MARGIN_SECONDS,
  leaseSecondsFor,
} from '../../shared/idempotency/idempotency.ts';
import type { DocumentClient } from '../../shared/storage/dynamo.ts';
import { testRuntime } from '../support/harness.ts';

const T0 = Date.parse('2026-11-22T10:00:00Z');
const at = (seconds: number) => T0 + seconds * 1000;
const LEASE = leaseSecondsFor(ROUTE_TIMEOUT_SECONDS);
const answer = { status: 201, body: '{"id":"a"}', headers: { 'Content-Type': 'application/json' } };

let db: DocumentClient;
let tableName: string;
let store: DynamoIdempotencyStore;

beforeAll(async () => {
  const { runtime } = await testRuntime();
  db = runtime.db;
  tableName = runtime.config.tableName;
  store = new DynamoIdempotencyStore(db, tableName, LEASE);
});

const item = async (scope: string, key: string) =>
  (
    await db.send(
      new GetCommand({ TableName: tableName, Key: { PK: `IDEMPOTENCY#${scope}`, SK: `KEY#${key}` } }),
    )
  ).Item;

const fresh = () => ({ scope: `client-${randomUUID()}`, key: randomUUID() });

describe('DynamoIdempotencyStore on DynamoDB Local', () => {
  it('claims a new key, holding it under a lease that outlives the function timeout', async () => {
    const { scope, key } = fresh();
    expect(await store.claim(scope, key, 'fp-1', at(0))).toEqual({ kind: 'claimed' });
    expect(await item(scope, key)).toMatchObject({
      fingerprint: 'fp-1',
      state: 'in_progress',
      ttl: T0 / 1000 + LEASE,
    });
    expect(LEASE).toBe(ROUTE_TIMEOUT_SECONDS + LEASE_MARGIN_SECONDS);
    // A retry while the first runs sees the claim without an answer (the pipeline answers 409).
    expect(await store.claim(scope, key, 'fp-1', at(1))).toEqual({ kind: 'taken', fingerprint: 'fp-1' });
  });

  it('answers the claim of another request with its fingerprint (the pipeline answers 422)', async () => {
    const { scope, key } = fresh();
    await store.claim(scope, key, 'fp-1', at(0));
    expect(await store.claim(scope, key, 'fp-other', at(1))).toEqual({ kind: 'taken', fingerprint: 'fp-1' });
    expect((await item(scope, key))!.fingerprint).toBe('fp-1');
  });

  it('keeps a completed answer for 24 h in the TTL attribute and replays it', async () => {
    const { scope, key } = fresh();
    await store.claim(scope, key, 'fp-1', at(0));
    await store.complete(scope, key, 'fp-1', answer, at(2));
    expect(await item(scope, key)).toMatchObject({
      state: 'done',
      ttl: T0 / 1000 + 2 + IDEMPOTENCY_TTL_SECONDS,
    });
    expect(await store.claim(scope, key, 'fp-1', at(IDEMPOTENCY_TTL_SECONDS))).toEqual({
      kind: 'taken',
      fingerprint: 'fp-1',
      answer,
    });
    // Once past its ttl the item counts as absent, before DynamoDB's sweep deletes it.
    expect(await store.claim(scope, key, 'fp-1', at(IDEMPOTENCY_TTL_SECONDS + 2))).toEqual({
      kind: 'claimed',
    });
  });

  it('keeps the claim of a request that never finished until the lease ends, not longer', async () => {
    const { scope, key } = fresh();
    await store.claim(scope, key, 'fp-1', at(0));
    // At the function timeout the first request may still run: the claim holds.
    expect((await store.claim(scope, key, 'fp-1', at(ROUTE_TIMEOUT_SECONDS))).kind).toBe('taken');
    expect((await store.claim(scope, key, 'fp-1', at(LEASE - 1))).kind).toBe('taken');
    expect(await store.claim(scope, key, 'fp-1', at(LEASE))).toEqual({ kind: 'claimed' });
  });

  it('refuses to complete under a claim that is no longer this request’s', async () => {
    const { scope, key } = fresh();
    await store.claim(scope, key, 'fp-1', at(0));
    // The first lease ran out; another request claimed the key.
    await store.claim(scope, key, 'fp-2', at(LEASE + 1));
    await expect(store.complete(scope, key, 'fp-1', answer, at(LEASE + 2))).rejects.toMatchObject({
      name: 'ConditionalCheckFailedException',
    });
    expect((await item(scope, key))!.state).toBe('in_progress');
  });

  it('releases a running claim at once, and never a completed one', async () => {
    const running = fresh();
    await store.claim(running.scope, running.key, 'fp-1', at(0));
    await store.release(running.scope, running.key, 'fp-1');
    expect(await store.claim(running.scope, running.key, 'fp-1', at(1))).toEqual({ kind: 'claimed' });

    const done = fresh();
    await store.claim(done.scope, done.key, 'fp-1', at(0));
    await store.complete(done.scope, done.key, 'fp-1', answer, at(1));
    await store.release(done.scope, done.key, 'fp-1');
    expect((await store.claim(done.scope, done.key, 'fp-1', at(2))).kind).toBe('taken');
  });

  it('lets exactly one of 20 concurrent claims of one key win', async () => {
    const { scope, key } = fresh();
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () => store.claim(scope, key, 'fp-1', at(0))),
    );
    expect(outcomes.filter((outcome) => outcome.kind === 'claimed')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.kind === 'taken')).toHaveLength(19);
  });

  it('answers a replay and a conflict from the refused claim alone, and reads the item where the refusal lacks it', async () => {
    const { runtime } = await testRuntime();
    const commands: string[] = [];
    let stripItem = false;
    runtime.db.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push((context.commandName ?? '').replace(/Command$/, ''));
        try {
          return await next(args);
        } catch (error) {
          if (stripItem) delete (error as { Item?: unknown }).Item;
          throw error;
        }
      },
      { step: 'initialize', name: 'countCommands' },
    );
    const counted = new DynamoIdempotencyStore(runtime.db, runtime.config.tableName, LEASE);
    const { scope, key } = fresh();
    await counted.claim(scope, key, 'fp-1', at(0));
    await counted.complete(scope, key, 'fp-1', answer, at(1));
    commands.length = 0;
    expect(await counted.claim(scope, key, 'fp-1', at(2))).toEqual({
      kind: 'taken',
      fingerprint: 'fp-1',
      answer,
    });
    expect(await counted.claim(scope, key, 'fp-2', at(2))).toEqual({
      kind: 'taken',
      fingerprint: 'fp-1',
      answer,
    });
    expect(commands).toEqual(['PutItem', 'PutItem']);
    stripItem = true;
    commands.length = 0;
    expect(await counted.claim(scope, key, 'fp-1', at(3))).toEqual({
      kind: 'taken',
      fingerprint: 'fp-1',
      answer,
    });
    expect(commands).toEqual(['PutItem', 'GetItem']);
  });

  it('keeps keys of different partner clients apart', async () => {
    const { key } = fresh();
    expect((await store.claim('client-a', key, 'fp-1', at(0))).kind).toBe('claimed');
    expect((await store.claim('client-b', key, 'fp-2', at(0))).kind).toBe('claimed');
  });
});

describe('idempotent() on DynamoDB Local', () => {
  const event = (body: string) =>
    ({
      rawPath: '/v1/persons/p/mobile_number/authorize',
      body,
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST' } },
    }) as unknown as APIGatewayProxyEventV2;

  it('runs one of 20 concurrent requests with one key; the others get 409 or its answer', async () => {
    const { scope, key } = fresh();
    let runs = 0;
    const execute = async () => {
      runs++;
      await new Promise((resolve) => setTimeout(resolve, 50));
      return { statusCode: 201, body: '{"ok":true}' };
    };
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => idempotent(store, () => T0, scope, key, event('{}'), execute)),
    );
    expect(runs).toBe(1);
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    expect(fulfilled.length).toBeGreaterThanOrEqual(1);
    for (const r of refused)
      expect((r.reason as { code: string }).code).toBe('idempotency_request_in_progress');
    const replay = await idempotent(store, () => T0 + 1000, scope, key, event('{}'), execute);
    expect(replay).toMatchObject({
      statusCode: 201,
      body: '{"ok":true}',
      headers: { 'Idempotent-Replayed': 'true' },
    });
    expect(runs).toBe(1);
  });
});

describe('the lease from configuration', () => {
  it('takes the function timeout the stack passes (FUNCTION_TIMEOUT_SECONDS) and outlives it', async () => {
    const clock = { now: () => new Date(T0) };
    const { adapters } = await testRuntime({ clock, env: { FUNCTION_TIMEOUT_SECONDS: '25' } });
    const configured = compose.idempotency(adapters).store;
    const { scope, key } = fresh();
    await configured.claim(scope, key, 'fp-1', at(0));
    expect((await configured.claim(scope, key, 'fp-1', at(25))).kind).toBe('taken');
    expect((await configured.claim(scope, key, 'fp-1', at(25 + LEASE_MARGIN_SECONDS - 1))).kind).toBe(
      'taken',
    );
    expect((await configured.claim(scope, key, 'fp-1', at(25 + LEASE_MARGIN_SECONDS))).kind).toBe('claimed');
  });

  it('refuses a timeout that is not a whole number of seconds between 1 and 900', async () => {
    for (const value of ['0', '901', '2.5', 'ten']) {
      const { adapters } = await testRuntime({ env: { FUNCTION_TIMEOUT_SECONDS: value } });
      expect(() => compose.idempotency(adapters)).toThrow(/FUNCTION_TIMEOUT_SECONDS/);
    }
  });
});
