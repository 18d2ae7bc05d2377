import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { conflict } from '../errors.ts';
import { conditionally, DynamoAdapter, recordReader, tx } from '../storage/dynamo.ts';
import { TABLE } from '../storage/table-definition.ts';
import type { WebhookRecord, Webhooks } from './ports.ts';

export type { WebhookRecord } from './ports.ts';

/** Who may see a subscription: its owner, or anyone where it has none. */
const OWNED_BY = 'attribute_not_exists(#owner) OR #owner = :owner';

const webhookKey = (id: string) => ({ PK: `WEBHOOK#${id}`, SK: 'WEBHOOK' });
const counterKey = { PK: 'WEBHOOK_COUNT', SK: 'WEBHOOK_COUNT' };
const LIST_PARTITION = 'WEBHOOKS';

const toRecord = recordReader<WebhookRecord>({
  id: true,
  eventType: true,
  url: true,
  sealedSecret: 'secret_sealed',
  createdAt: true,
  owner: true,
});

/**
 * Webhook subscriptions. All of them share one GSI1 partition (sorted by event type, then creation), which serves
 * both the list route and the fan-out's lookup by event type; a counter item bounds how many can exist.
 */
export class WebhookStore extends DynamoAdapter implements Webhooks {
  /** Stores the subscription and takes one unit of the limit in one transaction; at the limit: 409. */
  async create(record: WebhookRecord, maxSubscriptions: number): Promise<void> {
    const failed = await tx(this.db, this.tableName)
      .update('counter', {
        Key: counterKey,
        UpdateExpression: 'ADD subscriptions :one',
        ConditionExpression: 'attribute_not_exists(subscriptions) OR subscriptions < :max',
        ExpressionAttributeValues: { ':one': 1, ':max': maxSubscriptions },
      })
      .put(
        'webhook',
        {
          ...webhookKey(record.id),
          entity: 'webhook',
          id: record.id,
          event_type: record.eventType,
          url: record.url,
          secret_sealed: record.sealedSecret,
          created_at: record.createdAt,
          ...(record.owner !== undefined ? { owner: record.owner } : {}),
          [TABLE.gsi1.partitionKey]: LIST_PARTITION,
          [TABLE.gsi1.sortKey]: `${record.eventType}#${record.createdAt}#${record.id}`,
        },
        { ConditionExpression: 'attribute_not_exists(PK)' },
      )
      .commit();
    if (failed.has('counter')) {
      throw conflict(
        'webhook_limit_reached',
        'Webhook Limit Reached',
        `At most ${maxSubscriptions} webhook subscriptions can exist; delete one first.`,
      );
    }
    if (failed.size > 0) throw new Error('webhook id already in use');
  }

  get(id: string): Promise<WebhookRecord | undefined> {
    return this.readRecord(webhookKey(id), toRecord);
  }

  /** Every subscription, or those for one event type; with `owner`, only those that client may see. */
  async list(eventType?: string, owner?: string): Promise<WebhookRecord[]> {
    const records: WebhookRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: TABLE.gsi1.name,
          KeyConditionExpression: eventType ? '#pk = :pk AND begins_with(#sk, :type)' : '#pk = :pk',
          ...(owner !== undefined ? { FilterExpression: OWNED_BY } : {}),
          ExpressionAttributeNames: {
            '#pk': TABLE.gsi1.partitionKey,
            ...(eventType ? { '#sk': TABLE.gsi1.sortKey } : {}),
            ...(owner !== undefined ? { '#owner': 'owner' } : {}),
          },
          ExpressionAttributeValues: {
            ':pk': LIST_PARTITION,
            ...(eventType ? { ':type': `${eventType}#` } : {}),
            ...(owner !== undefined ? { ':owner': owner } : {}),
          },
          ExclusiveStartKey: start,
        }),
      );
      records.push(...(page.Items ?? []).map(toRecord));
      start = page.LastEvaluatedKey;
    } while (start);
    return records;
  }

  /**
   * Re-seals a subscription's secret (after a key rotation): replaces the sealed value only if it is still the one
   * read, so a concurrent re-seal or deletion wins; false when nothing was replaced.
   */
  async replaceSealedSecret(id: string, from: string, to: string): Promise<boolean> {
    const written = await conditionally(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: webhookKey(id),
          UpdateExpression: 'SET secret_sealed = :to',
          ConditionExpression: 'secret_sealed = :from',
          ExpressionAttributeValues: { ':from': from, ':to': to },
        }),
      ),
    );
    return written !== undefined;
  }

  /**
   * Deletes the subscription and gives back its unit of the limit; false when it did not exist (or, with `owner`,
   * belongs to another client).
   */
  async delete(id: string, owner?: string): Promise<boolean> {
    const failed = await tx(this.db, this.tableName)
      .delete(
        'webhook',
        webhookKey(id),
        owner !== undefined
          ? {
              ConditionExpression: `attribute_exists(PK) AND (${OWNED_BY})`,
              ExpressionAttributeNames: { '#owner': 'owner' },
              ExpressionAttributeValues: { ':owner': owner },
            }
          : { ConditionExpression: 'attribute_exists(PK)' },
      )
      .update('counter', {
        Key: counterKey,
        UpdateExpression: 'ADD subscriptions :minus',
        ExpressionAttributeValues: { ':minus': -1 },
      })
      .commit();
    return !failed.has('webhook');
  }
}
