import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  conditionally,
  type DocumentClient,
  epochSeconds,
  type Item,
  type ItemKey,
  readItem,
  type TransactUpdate,
} from '../storage/dynamo.ts';
import { planUse, type SlotClaim, type WindowUses } from './rolling-window.ts';

export type LimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

const MAX_READS = 10;

/** The answer after a request lost the race for a free slot on every read it was allowed. */
export const LOST_RACES: LimitDecision = { allowed: false, retryAfterSeconds: 1 };

/** A claim on one free slot, as the input of an UpdateItem (alone or as a transaction's Update). */
export type SlotPlan =
  | { allowed: true; update: TransactUpdate }
  | { allowed: false; retryAfterSeconds: number };

/**
 * The DynamoDB side of a rolling-window limit (the rule is `planUse` in rolling-window.ts): the subject's item holds
 * one attribute per slot (`s0` ... `s<limit-1>`), and a claim is an update conditioned on that slot alone.
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

  /** The slot times in the subject's item as read. */
  usesIn(item: Item | undefined): WindowUses {
    return Array.from({ length: this.limit }, (_, i) => (item?.[`s${i}`] as number | undefined) ?? 0);
  }

  /**
   * From the subject's item as read: the write that claims one free slot (to run alone or inside the request's
   * transaction), or a refusal with the time until the oldest use leaves the window. The write is conditioned on
   * that slot still being free, so a request that lost the slot to a concurrent one fails and must read again.
   */
  plan(subject: string, item: Item | undefined, now: Date): SlotPlan {
    return this.planFrom(subject, this.usesIn(item), now);
  }

  planFrom(subject: string, uses: WindowUses, now: Date): SlotPlan {
    const plan = planUse({ limit: this.limit, windowMs: this.windowMs }, uses, now);
    return plan.allowed ? { allowed: true, update: this.claim(subject, plan) } : plan;
  }

  /** Takes one use on its own: read the item, claim a slot; a lost race reads again (two round trips normally). */
  async take(subject: string, now: Date): Promise<LimitDecision> {
    for (let read = 0; read < MAX_READS; read++) {
      const plan = this.plan(subject, await readItem(this.db, this.tableName, this.key(subject)), now);
      if (!plan.allowed) return plan;
      if (await conditionally(() => this.db.send(new UpdateCommand(plan.update)))) return { allowed: true };
    }
    // Losing a free slot on ten reads in a row means a flood on this one key: refuse rather than count wrong.
    return LOST_RACES;
  }

  /** The write that claims a planned slot (conditioned on it still being free). */
  claim(subject: string, claim: SlotClaim): TransactUpdate {
    return {
      TableName: this.tableName,
      Key: this.key(subject),
      UpdateExpression: 'SET #slot = :now, entity = :entity, #ttl = :ttl',
      ConditionExpression: 'attribute_not_exists(#slot) OR #slot <= :cutoff',
      ExpressionAttributeNames: { '#slot': `s${claim.slot}`, '#ttl': 'ttl' },
      ExpressionAttributeValues: {
        ':now': claim.at,
        ':cutoff': claim.cutoff,
        ':entity': this.kind.toLowerCase(),
        ':ttl': epochSeconds(new Date(claim.at)) + this.windowMs / 1000 + 60,
      },
    };
  }
}
