import * as z from '../zod.ts';
import type { DomainEvent } from './event.ts';
import type { EventBus } from './event-bus.ts';

/**
 * The one mapping from table stream records to events, used by the relay Lambda (records from the Lambda stream
 * event) and by the local poller (records from DynamoDB Streams GetRecords): both carry the same shape.
 */
export interface StreamRecordLike {
  eventName?: string | undefined;
  dynamodb?:
    | { NewImage?: Record<string, unknown> | undefined; SequenceNumber?: string | undefined }
    | undefined;
}

export const eventEnvelope = z.object({
  metadata: z.object({
    id: z.string().check(z.minLength(1)),
    type: z.string().check(z.minLength(1)),
    version: z.number().check(z.int()),
    time: z.string().check(z.minLength(1)),
  }),
  data: z.unknown(),
});

const stringAttribute = (image: Record<string, unknown>, name: string): string | undefined => {
  const value = image[name] as { S?: unknown } | undefined;
  return typeof value?.S === 'string' ? value.S : undefined;
};

/** True for the insert of an outbox item; every other change to the table is none of the relay's business. */
export function isOutboxInsert(record: StreamRecordLike): boolean {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== 'INSERT' || !image) return false;
  return (
    stringAttribute(image, 'PK')?.startsWith('OUTBOX#') === true && stringAttribute(image, 'SK') === 'EVENT'
  );
}

/**
 * The event an outbox insert carries. A malformed outbox item throws: it must never be skipped silently (on AWS the
 * batch is bisected down to that record, which then goes to the relay's failure queue).
 */
export function outboxEvent(record: StreamRecordLike): DomainEvent {
  const text = stringAttribute(record.dynamodb!.NewImage!, 'event');
  if (text === undefined) throw new Error('outbox item without an event attribute');
  return eventEnvelope.parse(JSON.parse(text)) as DomainEvent;
}

export function outboxEvents(records: readonly StreamRecordLike[]): DomainEvent[] {
  return records.filter(isOutboxInsert).map(outboxEvent);
}

/** Publishes the outbox events among the records; answers how many there were. */
export async function relayRecords(records: readonly StreamRecordLike[], bus: EventBus): Promise<number> {
  const events = outboxEvents(records);
  if (events.length > 0) await bus.publish(events);
  return events.length;
}
