import { randomInt } from 'node:crypto';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type DocumentClient, epochSeconds, isConditionFailure } from '../storage/dynamo.ts';

export type LimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

const MAX_READS = 10;

/** Fisher-Yates, so concurrent requests spread over the free slots instead of racing for the same one. */
function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(0, i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/**
 * An exact, atomic rolling-window limit: at most `limit` uses of a key in any `windowMs`.
 *
 * The key's item has one slot per allowed use (`s0` ... `s<limit-1>`), each holding the time of the use that last
 * took it. A use claims a slot whose time is older than the window (or that was never used), with a write
 * conditioned on that slot alone. A slot cannot be reclaimed within the window, so the count of recent slot times
 * is exactly the count of uses in the window, and no two concurrent requests can take the same slot. Concurrent
 * requests try the free slots in random order, so they rarely collide; a collision moves on to the next free slot.
 */
export class RollingLimit {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
    private readonly kind: string,
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  async take(subject: string, now: Date): Promise<LimitDecision> {
    const key = { PK: `${this.kind}#${subject}`, SK: this.kind };
    const nowMs = now.getTime();
    const cutoff = nowMs - this.windowMs;
    for (let read = 0; read < MAX_READS; read++) {
      const { Item } = await this.db.send(
        new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
      );
      const slots = Array.from(
        { length: this.limit },
        (_, i) => (Item?.[`s${i}`] as number | undefined) ?? 0,
      );
      const free = shuffle(slots.flatMap((time, index) => (time <= cutoff ? [index] : [])));
      if (free.length === 0) {
        return { allowed: false, retryAfterSeconds: (Math.min(...slots) + this.windowMs - nowMs) / 1000 };
      }
      // A lost race only means that one slot is gone: try the other free slots of this read before reading again.
      for (const slot of free) {
        if (await this.claim(key, slot, now, cutoff)) return { allowed: true };
      }
    }
    // Losing every free slot of ten reads in a row means a flood on this one key: refuse rather than count wrong.
    return { allowed: false, retryAfterSeconds: 1 };
  }

  private async claim(
    key: Record<string, string>,
    slot: number,
    now: Date,
    cutoff: number,
  ): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET #slot = :now, entity = :entity, #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(#slot) OR #slot <= :cutoff',
          ExpressionAttributeNames: { '#slot': `s${slot}`, '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':now': now.getTime(),
            ':cutoff': cutoff,
            ':entity': this.kind.toLowerCase(),
            ':ttl': epochSeconds(now) + this.windowMs / 1000 + 60,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
