import { randomUUID } from 'node:crypto';
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { DocumentClient } from '../storage/dynamo.ts';

/** Local mode's queue items (never in the deployed table, where SQS holds deliveries). */
const QUEUE_PK = 'LOCAL_DELIVERY';
const DEAD_LETTER_PK = 'LOCAL_DEAD_LETTER';
const PAGE = 25;

/** A queued message as kept: its serialized delivery, its receive count and its key (due time first). */
export interface StoredDelivery {
  key: string;
  message: string;
  receives: number;
}

/**
 * The DynamoDB side of local mode's delivery queue (shared/webhooks/local-delivery-queue.ts): queued messages in one
 * partition sorted by due time, dead letters in another.
 */
export class LocalDeliveryStore {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
  ) {}

  /** Writes the messages (batches of 25); resolves once every one is written. */
  async put(entries: ReadonlyArray<{ message: string; dueAt: number; receives: number }>): Promise<void> {
    for (let i = 0; i < entries.length; i += PAGE) {
      const items = entries.slice(i, i + PAGE).map(({ message, dueAt, receives }) => ({
        PK: QUEUE_PK,
        SK: `${new Date(dueAt).toISOString()}#${randomUUID()}`,
        entity: 'local_delivery',
        message,
        receives,
      }));
      let pending = items.map((Item) => ({ PutRequest: { Item } }));
      for (let round = 0; pending.length > 0; round++) {
        if (round === 5) throw new Error('DynamoDB left delivery writes unprocessed five times in a row');
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** round));
        const { UnprocessedItems } = await this.db.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }),
        );
        pending = (UnprocessedItems?.[this.tableName] ?? []) as typeof pending;
      }
    }
  }

  /** Messages due at `now`, earliest first, at most `limit`. */
  async due(now: Date, limit: number): Promise<string[]> {
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND SK <= :due',
        ExpressionAttributeValues: { ':pk': QUEUE_PK, ':due': `${now.toISOString()}#~` },
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    return Items.map((item) => item.SK as string);
  }

  /** One queued message (strongly consistent); undefined once it was removed. */
  async get(key: string): Promise<StoredDelivery | undefined> {
    const { Item: item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { PK: QUEUE_PK, SK: key }, ConsistentRead: true }),
    );
    return item ? { key, message: item.message as string, receives: Number(item.receives ?? 0) } : undefined;
  }

  async remove(key: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: { PK: QUEUE_PK, SK: key } }));
  }

  async putDeadLetter(message: string, reason: string, at: Date): Promise<void> {
    const iso = at.toISOString();
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          PK: DEAD_LETTER_PK,
          SK: `${iso}#${randomUUID()}`,
          entity: 'local_dead_letter',
          message,
          reason,
          at: iso,
        },
      }),
    );
  }

  /** Dead letters, oldest first. */
  async deadLetters(): Promise<Array<{ message: string; reason: string }>> {
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': DEAD_LETTER_PK },
        ConsistentRead: true,
      }),
    );
    return Items.map((item) => ({ message: item.message as string, reason: item.reason as string }));
  }
}
