import { describe, expect, it } from 'vitest';
import { withConflictRetries } from '../../shared/storage/dynamo.ts';

const cancelled = (...codes: string[]) =>
  Object.assign(new Error('cancelled'), {
    name: 'TransactionCanceledException',
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

describe('transaction conflict retries', () => {
  it('retries a transaction cancelled only by a concurrent transaction until it commits', async () => {
    let calls = 0;
    const result = await withConflictRetries(async () => {
      calls++;
      if (calls < 3) throw cancelled('None', 'TransactionConflict');
      return 'committed';
    });
    expect(result).toBe('committed');
    expect(calls).toBe(3);
  });

  it('hands a condition failure to the store at once, even next to a conflict', async () => {
    let calls = 0;
    await expect(
      withConflictRetries(async () => {
        calls++;
        throw cancelled('ConditionalCheckFailed', 'TransactionConflict');
      }),
    ).rejects.toThrow('cancelled');
    expect(calls).toBe(1);
  });

  it('gives up after a bounded number of conflicts and leaves other errors alone', async () => {
    let calls = 0;
    await expect(
      withConflictRetries(async () => {
        calls++;
        throw cancelled('TransactionConflict');
      }),
    ).rejects.toThrow('cancelled');
    expect(calls).toBe(9);
    let throttled = 0;
    await expect(
      withConflictRetries(async () => {
        throttled++;
        throw Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' });
      }),
    ).rejects.toThrow('slow down');
    expect(throttled).toBe(1);
  });
});
