import { randomUUID } from 'node:crypto';
import { epochSeconds, type TxPart } from '../storage/dynamo.ts';
import type * as z from '../zod.ts';

/** Every event travels as `{metadata, data}`; `metadata.id` stays the same across every delivery attempt. */
export interface DomainEvent<T = unknown> {
  metadata: { id: string; type: string; version: number; time: string };
  data: T;
}

export interface EventType<S extends z.ZodMiniType> {
  type: string;
  version: number;
  schema: S;
}

/**
 * An event type. Its schema is built on first use: a function bundles the definitions of every event its stores may
 * write, and building them all would be work in every cold start for events its first answers do not write.
 */
export function defineEvent<S extends z.ZodMiniType>(
  type: string,
  version: number,
  schema: () => S,
): EventType<S> {
  let built: S | undefined;
  return {
    type,
    version,
    get schema() {
      built ??= schema();
      return built;
    },
  };
}

export function buildEvent<S extends z.ZodMiniType>(
  kind: EventType<S>,
  data: z.input<S>,
  now: Date,
): DomainEvent<z.output<S>> {
  return {
    metadata: { id: randomUUID(), type: kind.type, version: kind.version, time: now.toISOString() },
    data: kind.schema.parse(data),
  };
}

/** Outbox records stay a week after the relay has had its chance to publish them, then TTL removes them. */
const OUTBOX_RETENTION_SECONDS = 7 * 24 * 3600;

/**
 * An event about a person is also that person's security timeline entry (GSI1 partition
 * `PERSON#<pid>#TIMELINE`, sorted by time), so it stays for the timeline's retention instead of a week: about 13
 * months, long enough for a year's support cases and audits.
 */
export const TIMELINE_RETENTION_SECONDS = 400 * 24 * 3600;

/** The GSI1 partition of a person's security timeline. */
export const timelinePartition = (personId: string) => `PERSON#${personId}#TIMELINE`;

/** The person an event is about, when its data names one. */
function personOfEvent(event: DomainEvent): string | undefined {
  const data = event.data as { person_id?: unknown } | null;
  return typeof data?.person_id === 'string' && data.person_id !== '' ? data.person_id : undefined;
}

/**
 * The outbox item for an event, to put in the same transaction as the change it describes: if the change commits,
 * so does the event, and the relay publishes it from the table's stream. An event about a person is indexed on the
 * person's timeline in the same item, so the timeline holds exactly the committed events.
 */
export function outboxPut(tableName: string, event: DomainEvent, now: Date): TxPart {
  const personId = personOfEvent(event);
  return {
    name: 'event',
    item: {
      Put: {
        TableName: tableName,
        Item: {
          PK: `OUTBOX#${event.metadata.id}`,
          SK: 'EVENT',
          entity: 'outbox',
          event_id: event.metadata.id,
          event_type: event.metadata.type,
          event: JSON.stringify(event),
          created_at: now.toISOString(),
          ...(personId
            ? { GSI1PK: timelinePartition(personId), GSI1SK: `${event.metadata.time}#${event.metadata.id}` }
            : {}),
          ttl: epochSeconds(now) + (personId ? TIMELINE_RETENTION_SECONDS : OUTBOX_RETENTION_SECONDS),
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    },
  };
}
