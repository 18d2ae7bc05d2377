import { describe, expect, it } from 'vitest';
import { readItem, tx } from '../../shared/storage/dynamo.ts';
import { testRuntime } from '../support/harness.ts';

const key = (name: string) => ({ PK: `TX_TEST#${name}`, SK: 'ITEM' });
const absent = { ConditionExpression: 'attribute_not_exists(PK)' };

describe('tx: transactions report failed items by name', () => {
  it('commits every item and answers no failure', async () => {
    const { runtime } = await testRuntime();
    const { db, config } = runtime;
    const failed = await tx(db, config.tableName)
      .put('a', { ...key('a'), n: 1 }, absent)
      .put('b', { ...key('b'), n: 2 }, absent)
      .commit();
    expect(failed.size).toBe(0);
    expect((await readItem(db, config.tableName, key('b')))?.n).toBe(2);
  });

  it('names the item whose condition failed, whatever its position, and writes nothing', async () => {
    const { runtime } = await testRuntime();
    const { db, config } = runtime;
    await tx(db, config.tableName)
      .put('taken', { ...key('taken'), n: 1 })
      .commit();
    for (const order of [
      ['fresh', 'taken'],
      ['taken', 'fresh'],
    ]) {
      const commit = tx(db, config.tableName);
      for (const name of order) commit.put(name, { ...key(name), n: 2 }, absent);
      expect([...(await commit.commit())]).toEqual(['taken']);
    }
    expect(await readItem(db, config.tableName, key('fresh'))).toBeUndefined();
  });

  it('refuses two items of the same name', async () => {
    const { runtime } = await testRuntime();
    expect(() => tx(runtime.db, runtime.config.tableName).put('x', key('x')).delete('x', key('y'))).toThrow(
      /named twice/,
    );
  });
});
