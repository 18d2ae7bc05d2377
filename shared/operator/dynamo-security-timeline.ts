import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { timelinePartition } from '../events/event.ts';
import { acceptedPeppers, type PepperSource } from '../otp/pepper.ts';
import type { DocumentClient } from '../storage/dynamo.ts';
import type { TimelineEntry } from './operator.schema.ts';
import type { SecurityTimeline, TimelinePage } from './ports.ts';
import { openCursor, sealCursor } from './timeline-cursor.ts';

/**
 * A person's security timeline: the outbox records of every event about the person, indexed on GSI1 under
 * `PERSON#<pid>#TIMELINE` by time (shared/events/event.ts), read newest first. The cursor is the last entry's time and
 * id under an HMAC (shared/operator/timeline-cursor.ts); the store rebuilds DynamoDB's start key from them.
 */
export class DynamoSecurityTimeline implements SecurityTimeline {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
    private readonly pepper: PepperSource,
  ) {}

  async page(personId: string, size: number, cursor: string | undefined): Promise<TimelinePage> {
    const partition = timelinePartition(personId);
    const position =
      cursor === undefined ? undefined : openCursor(await acceptedPeppers(this.pepper), personId, cursor);
    const start = position && {
      PK: `OUTBOX#${position.eventId}`,
      SK: 'EVENT',
      GSI1PK: partition,
      GSI1SK: `${position.time}#${position.eventId}`,
    };
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
    const last = entries.at(-1);
    const more = items.length > size;
    return {
      entries,
      next:
        more && last
          ? sealCursor(await this.pepper(), personId, { time: last.time, eventId: last.id })
          : undefined,
    };
  }
}
