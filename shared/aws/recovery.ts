/**
 * Operator recovery after an outage, with the real AWS SDK clients (bin/ops.ts is the command line):
 * - `redriveQueue`: moves messages from a dead-letter queue back to the queue they came from. Delivery messages start
 *   a fresh retry window (attempt 1, first attempt now), so a receiver that was down for days gets its 5 days again.
 * - `replayOutbox`: publishes again, to the event bus, the outbox events written in a time window. The outbox keeps
 *   every event for 7 days (shared/events/event.ts); receivers deduplicate on the event id, so a replay that overlaps
 *   what was delivered is harmless.
 * - `redriveRelayFailures`: each message in the relay's failure queue describes a stream batch Lambda gave up on
 *   (DDBStreamBatchInfo, not the records); the events of that batch are replayed from the outbox by the batch's
 *   arrival times (with a minute's margin either side), then the message is deleted.
 */
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { DomainEvent } from '../events/event.ts';
import type { EventBus } from '../events/event-bus.ts';
import { eventEnvelope } from '../events/relay-mapping.ts';
import type { DocumentClient } from '../storage/dynamo.ts';

export type QueueKind = 'fan-out' | 'delivery';

export interface RedriveOptions {
  kind: QueueKind;
  from: string;
  to: string;
  /** Stop after this many messages (default: until the queue answers empty). */
  max?: number;
  now?: () => Date;
}

/** Messages waiting in a queue, as SQS approximates them (for a dry run). */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
}

function redrivenBody(kind: QueueKind, body: string, now: Date): string {
  if (kind === 'fan-out') return body;
  const {
    dead_letter_reason: _reason,
    not_before: _notBefore,
    ...message
  } = JSON.parse(body) as Record<string, unknown>;
  return JSON.stringify({ ...message, attempt: 1, first_attempt_at: now.toISOString() });
}

/** Receives up to ten messages; an empty answer after a short wait means the queue is drained. */
async function receive(sqs: SQSClient, queueUrl: string, count: number): Promise<Message[]> {
  const { Messages } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: Math.min(10, count),
      WaitTimeSeconds: 1,
      VisibilityTimeout: 120,
    }),
  );
  return Messages ?? [];
}

async function deleteAll(sqs: SQSClient, queueUrl: string, messages: Message[]): Promise<void> {
  if (messages.length === 0) return;
  const result = await sqs.send(
    new DeleteMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
    }),
  );
  if (result.Failed?.length) throw new Error(`SQS did not delete ${result.Failed.length} message(s)`);
}

/**
 * Moves messages from `from` to `to`: each batch is sent first and deleted from the dead-letter queue only once SQS
 * accepted it, so a failure midway duplicates at most one batch and loses nothing. A message SQS refuses to take stays
 * in the dead-letter queue (visible again after two minutes).
 */
export async function redriveQueue(sqs: SQSClient, options: RedriveOptions): Promise<{ moved: number }> {
  const now = options.now ?? (() => new Date());
  const max = options.max ?? Number.POSITIVE_INFINITY;
  let moved = 0;
  while (moved < max) {
    const messages = await receive(sqs, options.from, max - moved);
    if (messages.length === 0) break;
    const result = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: options.to,
        Entries: messages.map((m, i) => ({
          Id: String(i),
          MessageBody: redrivenBody(options.kind, m.Body!, now()),
        })),
      }),
    );
    const accepted = new Set((result.Successful ?? []).map((entry) => Number(entry.Id)));
    const sent = messages.filter((_, i) => accepted.has(i));
    await deleteAll(sqs, options.from, sent);
    moved += sent.length;
    if (sent.length < messages.length) {
      throw new Error(`SQS refused ${messages.length - sent.length} message(s); moved ${moved} so far`);
    }
  }
  return { moved };
}

export interface ReplayOptions {
  from: Date;
  to: Date;
  /** Only these event types (default all). */
  types?: readonly string[];
  dryRun?: boolean;
}

/** The outbox events created in [from, to], oldest first. */
export async function outboxEventsBetween(
  db: DocumentClient,
  tableName: string,
  options: Pick<ReplayOptions, 'from' | 'to' | 'types'>,
): Promise<DomainEvent[]> {
  const events: DomainEvent[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: 'begins_with(PK, :outbox) AND SK = :event AND created_at BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':outbox': 'OUTBOX#',
          ':event': 'EVENT',
          ':from': options.from.toISOString(),
          ':to': options.to.toISOString(),
        },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      const event = eventEnvelope.parse(JSON.parse(String(item.event))) as DomainEvent;
      if (!options.types || options.types.includes(event.metadata.type)) events.push(event);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return events.sort((a, b) => a.metadata.time.localeCompare(b.metadata.time));
}

/** Publishes the window's outbox events again (the bus sends them ten per PutEvents call). */
export async function replayOutbox(
  db: DocumentClient,
  tableName: string,
  bus: EventBus,
  options: ReplayOptions,
): Promise<{ events: number; published: number }> {
  const events = await outboxEventsBetween(db, tableName, options);
  if (!options.dryRun && events.length > 0) await bus.publish(events);
  return { events: events.length, published: options.dryRun ? 0 : events.length };
}

/** The part of a Lambda on-failure record for a DynamoDB stream batch that says which batch it was. */
interface StreamBatchInfo {
  approximateArrivalOfFirstRecord: string;
  approximateArrivalOfLastRecord: string;
  batchSize?: number;
}

const MARGIN_MS = 60_000;

/**
 * Replays the events of every stream batch in the relay's failure queue from the outbox, then deletes its message.
 * A message that is not a stream-batch failure record is left where it is and reported.
 */
export async function redriveRelayFailures(
  sqs: SQSClient,
  failureQueueUrl: string,
  replay: (from: Date, to: Date) => Promise<number>,
): Promise<{ batches: number; events: number; skipped: number }> {
  let batches = 0;
  let events = 0;
  let skipped = 0;
  for (;;) {
    const messages = await receive(sqs, failureQueueUrl, 10);
    if (messages.length === 0) break;
    const done: Message[] = [];
    for (const message of messages) {
      const info = (JSON.parse(message.Body ?? '{}') as { DDBStreamBatchInfo?: StreamBatchInfo })
        .DDBStreamBatchInfo;
      const first = Date.parse(info?.approximateArrivalOfFirstRecord ?? '');
      const last = Date.parse(info?.approximateArrivalOfLastRecord ?? '');
      if (!Number.isFinite(first) || !Number.isFinite(last)) {
        skipped++;
        continue;
      }
      events += await replay(new Date(first - MARGIN_MS), new Date(last + MARGIN_MS));
      batches++;
      done.push(message);
    }
    await deleteAll(sqs, failureQueueUrl, done);
    if (done.length === 0) break;
  }
  return { batches, events, skipped };
}
