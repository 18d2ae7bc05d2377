import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { badRequest } from '../errors.ts';
import { timelinePartition } from '../events/event.ts';
import type { DocumentClient } from '../storage/dynamo.ts';
import type { TimelineEntry } from './operator.schema.ts';
import type { SecurityTimeline, TimelinePage } from './ports.ts';

type TimelineKey = { PK: string; SK: string; GSI1PK: string; GSI1SK: string };

const invalidCursor = () =>
  badRequest('page[cursor] is not a cursor this timeline answered.', {
    field: 'page[cursor]',
    message: 'invalid cursor',
  });

const encode = (key: TimelineKey) => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');

/** A cursor names an outbox item on this person's timeline, and nothing else (no other partition can be read). */
function decode(cursor: string, partition: string): TimelineKey {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  const key = value as Partial<Record<keyof TimelineKey, unknown>> | null;
  const fields = ['PK', 'SK', 'GSI1PK', 'GSI1SK'] as const;
  if (
    key === null ||
    typeof key !== 'object' ||
    Object.keys(key).length !== fields.length ||
    !fields.every((field) => typeof key[field] === 'string') ||
    key.GSI1PK !== partition ||
    !(key.PK as string).startsWith('OUTBOX#') ||
    key.SK !== 'EVENT'
  ) {
    throw invalidCursor();
  }
  return key as TimelineKey;
}

/**
 * A person's security timeline: the outbox records of every event about the person, indexed on GSI1 under
 * `PERSON#<pid>#TIMELINE` by time (shared/events/event.ts), read newest first with DynamoDB's own pagination key as
 * the cursor.
 */
export class DynamoSecurityTimeline implements SecurityTimeline {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
  ) {}

  async page(personId: string, size: number, cursor: string | undefined): Promise<TimelinePage> {
    const partition = timelinePartition(personId);
    const start = cursor === undefined ? undefined : decode(cursor, partition);
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': partition },
        ScanIndexForward: false,
        // One more than asked: whether it exists says whether there is a next page, so the last page never ends in
        // a cursor to an empty one.
        Limit: size + 1,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const items = result.Items ?? [];
    const shown = items.slice(0, size);
    const entries = shown.map((item): TimelineEntry => {
      const event = JSON.parse(item.event as string) as {
        metadata: { id: string; type: string; version: number; time: string };
        data: unknown;
      };
      return { ...event.metadata, data: event.data };
    });
    const last = shown.at(-1);
    const more = items.length > size;
    return {
      entries,
      next:
        more && last
          ? encode({
              PK: last.PK as string,
              SK: last.SK as string,
              GSI1PK: last.GSI1PK as string,
              GSI1SK: last.GSI1SK as string,
            })
          : undefined,
    };
  }
}
