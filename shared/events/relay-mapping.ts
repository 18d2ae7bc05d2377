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

/** What one stream batch came to: how many events went out, and where Lambda must resume if not all did. */
export interface BatchRelay {
  published: number;
  /** The sequence number of the first record not published: Lambda retries from it, and only from it. */
  failedSequenceNumber?: string;
  /** Why that record was not published. */
  failure?: unknown;
  /** The largest time from an event's creation to its publication in this batch, ms. */
  maxLagMs?: number;
}

const PUBLISH_CHUNK = 10;

/**
 * The relay's batch, for a partial batch response (ReportBatchItemFailures): records are published in stream order,
 * ten at a time, and the first that fails (a malformed outbox item, or an event EventBridge still rejects after the
 * bus's own retries) stops the batch there. Everything before it stays published and is not sent again; everything
 * from it on is retried. Only entries after a rejected one within the same PutEvents call of ten can go out twice.
 */
export async function relayBatch(
  records: ReadonlyArray<StreamRecordLike>,
  bus: EventBus,
  now: () => number = Date.now,
): Promise<BatchRelay> {
  const pending: Array<{ event: DomainEvent; sequenceNumber: string | undefined }> = [];
  let stop: { sequenceNumber: string | undefined; failure: unknown } | undefined;
  for (const record of records) {
    if (!isOutboxInsert(record)) continue;
    try {
      pending.push({ event: outboxEvent(record), sequenceNumber: record.dynamodb?.SequenceNumber });
    } catch (failure) {
      stop = { sequenceNumber: record.dynamodb?.SequenceNumber, failure };
      break;
    }
  }
  let published = 0;
  let maxLagMs: number | undefined;
  for (let start = 0; start < pending.length; start += PUBLISH_CHUNK) {
    const chunk = pending.slice(start, start + PUBLISH_CHUNK);
    try {
      await bus.publish(chunk.map((item) => item.event));
    } catch (failure) {
      const rejected = new Set(
        (failure as { failures?: Array<{ eventId: string }> }).failures?.map((f) => f.eventId) ?? [],
      );
      const first = chunk.find((item) => rejected.has(item.event.metadata.id)) ?? chunk[0]!;
      return {
        published: published + chunk.indexOf(first),
        failedSequenceNumber: first.sequenceNumber,
        failure,
        ...(maxLagMs === undefined ? {} : { maxLagMs }),
      };
    }
    published += chunk.length;
    const at = now();
    for (const item of chunk) {
      const lag = at - Date.parse(item.event.metadata.time);
      if (Number.isFinite(lag)) maxLagMs = Math.max(maxLagMs ?? 0, lag);
    }
  }
  return {
    published,
    ...(stop ? { failedSequenceNumber: stop.sequenceNumber, failure: stop.failure } : {}),
    ...(maxLagMs === undefined ? {} : { maxLagMs }),
  };
}
