import { randomInt } from 'node:crypto';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  type DocumentClient,
  epochSeconds,
  type Item,
  type ItemKey,
  isConditionFailure,
  type TransactUpdate,
} from '../storage/dynamo.ts';

export type LimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

const MAX_READS = 10;

/** The answer after a request lost the race for a free slot on every read it was allowed. */
export const LOST_RACES: LimitDecision = { allowed: false, retryAfterSeconds: 1 };

/** A claim on one free slot, as the input of an UpdateItem (alone or as a transaction's Update). */
export type SlotPlan =
  | { allowed: true; update: TransactUpdate }
  | { allowed: false; retryAfterSeconds: number };

/**
 * An exact, atomic rolling-window limit: at most `limit` uses of a key in any `windowMs`.
 *
 * The key's item has one slot per allowed use (`s0` ... `s<limit-1>`), each holding the time of the use that last
 * took it. A use claims a slot whose time is older than the window (or that was never used), with a write
 * conditioned on that slot alone. A slot cannot be reclaimed within the window, so the count of recent slot times
 * is exactly the count of uses in the window, and no two concurrent requests can take the same slot. Concurrent
 * requests pick a free slot at random, so they rarely collide; a collision reads again.
 */
export class RollingLimit {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
    private readonly kind: string,
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** The item that holds the subject's slots: read it together with the request's other items. */
  key(subject: string): ItemKey {
    return { PK: `${this.kind}#${subject}`, SK: this.kind };
  }

  /**
   * From the subject's item as read: the write that claims one free slot (to run alone or inside the request's
   * transaction), or a refusal with the time until the oldest use leaves the window. The write is conditioned on
   * that slot still being free, so a request that lost the slot to a concurrent one fails and must read again.
   */
  plan(subject: string, item: Item | undefined, now: Date): SlotPlan {
    const nowMs = now.getTime();
    const cutoff = nowMs - this.windowMs;
    const slots = Array.from({ length: this.limit }, (_, i) => (item?.[`s${i}`] as number | undefined) ?? 0);
    const free = slots.flatMap((time, index) => (time <= cutoff ? [index] : []));
    if (free.length === 0) {
      return { allowed: false, retryAfterSeconds: (Math.min(...slots) + this.windowMs - nowMs) / 1000 };
    }
    return { allowed: true, update: this.claim(subject, free[randomInt(0, free.length)]!, now, cutoff) };
  }

  /** Takes one use on its own: read the item, claim a slot; a lost race reads again (two round trips normally). */
  async take(subject: string, now: Date): Promise<LimitDecision> {
    for (let read = 0; read < MAX_READS; read++) {
      const { Item } = await this.db.send(
        new GetCommand({ TableName: this.tableName, Key: this.key(subject), ConsistentRead: true }),
      );
      const plan = this.plan(subject, Item, now);
      if (!plan.allowed) return plan;
      try {
        await this.db.send(new UpdateCommand(plan.update));
        return { allowed: true };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    // Losing a free slot on ten reads in a row means a flood on this one key: refuse rather than count wrong.
    return LOST_RACES;
  }

  private claim(subject: string, slot: number, now: Date, cutoff: number): TransactUpdate {
    return {
      TableName: this.tableName,
      Key: this.key(subject),
      UpdateExpression: 'SET #slot = :now, entity = :entity, #ttl = :ttl',
      ConditionExpression: 'attribute_not_exists(#slot) OR #slot <= :cutoff',
      ExpressionAttributeNames: { '#slot': `s${slot}`, '#ttl': 'ttl' },
      ExpressionAttributeValues: {
        ':now': now.getTime(),
        ':cutoff': cutoff,
        ':entity': this.kind.toLowerCase(),
        ':ttl': epochSeconds(now) + this.windowMs / 1000 + 60,
      },
    };
  }
}
