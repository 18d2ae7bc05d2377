import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type DocumentClient, epochSeconds, isConditionFailure } from '../storage/dynamo.ts';

export type QuotaDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

const WINDOW_MS = 3600_000;
const MAX_WRITE_CONFLICTS = 12;

/**
 * A rolling one-hour SMS quota per phone number. The item keeps the send times of the last hour; a send is recorded
 * by a conditional write on the item's version (optimistic locking), so two concurrent requests can never both take
 * the last unit. Counting happens per number, not per person: the quota protects the phone and the SMS bill.
 */
export class SmsQuotaStore {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
    private readonly limitPerHour: number,
  ) {}

  async consume(number: string, now: Date): Promise<QuotaDecision> {
    const key = { PK: `SMS_QUOTA#${number}`, SK: 'SMS_QUOTA' };
    for (let attempt = 0; attempt < MAX_WRITE_CONFLICTS; attempt++) {
      const { Item } = await this.db.send(
        new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
      );
      const version = (Item?.version as number | undefined) ?? 0;
      const nowMs = now.getTime();
      const recent = ((Item?.sent_at as number[] | undefined) ?? [])
        .filter((t) => t > nowMs - WINDOW_MS)
        .sort((a, b) => a - b);
      if (recent.length >= this.limitPerHour) {
        const oldest = recent[recent.length - this.limitPerHour]!;
        return { allowed: false, retryAfterSeconds: (oldest + WINDOW_MS - nowMs) / 1000 };
      }
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...key,
              entity: 'sms_quota',
              sent_at: [...recent, nowMs],
              version: version + 1,
              ttl: epochSeconds(now) + WINDOW_MS / 1000 + 60,
            },
            ConditionExpression: Item ? 'version = :v' : 'attribute_not_exists(PK)',
            ...(Item ? { ExpressionAttributeValues: { ':v': version } } : {}),
          }),
        );
        return { allowed: true };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * (attempt + 1)));
      }
    }
    // Sustained contention on one number is itself a flood: refuse rather than risk counting wrong.
    return { allowed: false, retryAfterSeconds: 1 };
  }
}
