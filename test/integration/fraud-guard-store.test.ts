import { describe, expect, it } from 'vitest';
import { DynamoFraudGuardStore } from '../../shared/fraud-guard/dynamo-fraud-guard-store.ts';
import { SHARDS } from '../../shared/fraud-guard/model.ts';
import { testRuntime } from '../support/harness.ts';

const HOUR_END = Date.parse('2026-11-22T11:00:00Z');

describe('the fraud guard store on DynamoDB Local', () => {
  it('grants exactly a cap to concurrent takers, spread over its shards, and takes back a unit given back', async () => {
    const { runtime } = await testRuntime();
    const store = new DynamoFraudGuardStore(runtime.db, runtime.config.tableName);
    const taken = await Promise.all(
      Array.from({ length: 30 }, () => store.take('CLIENT#a#H1', 17, HOUR_END)),
    );
    const shards = taken.filter((shard) => shard !== undefined);
    expect(shards).toHaveLength(17);
    expect(new Set(shards).size).toBe(SHARDS);
    expect(await store.take('CLIENT#a#H1', 17, HOUR_END)).toBeUndefined();
    await store.giveBack('CLIENT#a#H1', shards[0]!);
    expect(await store.take('CLIENT#a#H1', 17, HOUR_END)).toBe(shards[0]);
    // Another counter is untouched.
    expect(await store.take('CLIENT#b#H1', 1, HOUR_END)).toBeDefined();
  });

  it("counts a prefix's sent and confirmed codes per slot across its shards", async () => {
    const { runtime } = await testRuntime();
    const store = new DynamoFraudGuardStore(runtime.db, runtime.config.tableName);
    const t = Date.parse('2026-11-22T10:07:00Z');
    await Promise.all(Array.from({ length: 12 }, () => store.count('491511', 'sent', t)));
    await Promise.all(Array.from({ length: 5 }, () => store.count('491511', 'confirmed', t)));
    await store.count('491511', 'sent', t - 3600_000);
    const state = await store.readPrefix('491511', t);
    expect(state.current.sent[1]).toBe(12);
    expect(state.current.confirmed[1]).toBe(5);
    expect(state.previous.sent[1]).toBe(1);
    expect(state.previousSeen).toBe(true);
    expect((await store.readPrefix('491512', t)).previousSeen).toBe(false);
  });
});
