import { randomInt } from 'node:crypto';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type DocumentClient, epochSeconds, isConditionFailure } from '../storage/dynamo.ts';

export type QuotaDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

const WINDOW_MS = 3600_000;
const MAX_CLAIM_ATTEMPTS = 50;

/**
 * A rolling one-hour SMS quota per phone number, exact and atomic.
 *
 * The number's quota item has one slot per allowed SMS (`s0` ... `s59` for 60 an hour), each holding the time of the
 * SMS that last used it. A send claims a slot whose time is more than an hour old (or that was never used) with a
 * write conditioned on that slot alone. A slot cannot be reclaimed within the hour, so the count of recent slot
 * times is exactly the count of SMS in the last hour, and no two concurrent requests can take the same slot.
 * Concurrent requests pick free slots at random, so they rarely collide; a collision just re-reads and picks again.
 * Counting happens per number, not per person: the quota protects the phone and the SMS bill.
 */
export class SmsQuotaStore {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
    private readonly limitPerHour: number,
  ) {}

  async consume(number: string, now: Date): Promise<QuotaDecision> {
    const key = { PK: `SMS_QUOTA#${number}`, SK: 'SMS_QUOTA' };
    const nowMs = now.getTime();
    const cutoff = nowMs - WINDOW_MS;
    for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
      const { Item } = await this.db.send(
        new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
      );
      const slots = Array.from(
        { length: this.limitPerHour },
        (_, i) => (Item?.[`s${i}`] as number | undefined) ?? 0,
      );
      const free = slots.flatMap((time, index) => (time <= cutoff ? [index] : []));
      if (free.length === 0) {
        return { allowed: false, retryAfterSeconds: (Math.min(...slots) + WINDOW_MS - nowMs) / 1000 };
      }
      const slot = free[randomInt(0, free.length)]!;
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: 'SET #slot = :now, entity = :entity, #ttl = :ttl',
            ConditionExpression: 'attribute_not_exists(#slot) OR #slot <= :cutoff',
            ExpressionAttributeNames: { '#slot': `s${slot}`, '#ttl': 'ttl' },
            ExpressionAttributeValues: {
              ':now': nowMs,
              ':cutoff': cutoff,
              ':entity': 'sms_quota',
              ':ttl': epochSeconds(now) + WINDOW_MS / 1000 + 60,
            },
          }),
        );
        return { allowed: true };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    // Fifty lost races in a row means a flood on this one number: refuse rather than risk counting wrong.
    return { allowed: false, retryAfterSeconds: 1 };
  }
}
