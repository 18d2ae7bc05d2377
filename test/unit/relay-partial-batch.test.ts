import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DomainEvent } from '../../shared/events/event.ts';
import { acceptAllPutEvents, publishedEventIds } from '../support/eventbridge.ts';

/**
 * The relay Lambda's partial batch response: the handler itself (functions/relay-outbox-events.ts) with the real
 * EventBridge adapter on a mocked client. One bad record stops the batch at that record: Lambda resumes there, so
 * nothing published before it is published again, and nothing after it is published twice.
 */
const eventBridge = mockClient(EventBridgeClient);
let handler: (
  event: DynamoDBStreamEvent,
  context: Context,
) => Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> }>;

beforeAll(async () => {
  vi.stubEnv('EVENT_BUS_NAME', 'the-bus');
  // Composed as on Lambda, from the relay's own configuration (its bus; it reads no table item and no secret).
  const { build } = await import('../../functions/relay-outbox-events.ts');
  handler = build({ env: process.env });
});
afterAll(() => vi.unstubAllEnvs());
beforeEach(() => {
  eventBridge.reset();
  acceptAllPutEvents(eventBridge);
});

const event = (n: number): DomainEvent => ({
  metadata: {
    id: `event-${n}`,
    type: 'PERSON_MOBILE_NUMBER_CREATED',
    version: 1,
    time: new Date().toISOString(),
  },
  data: { n },
});
const record = (n: number, body: string = JSON.stringify(event(n))) => ({
  eventID: `id-${n}`,
  eventName: 'INSERT' as const,
  dynamodb: {
    SequenceNumber: String(1000 + n),
    NewImage: { PK: { S: `OUTBOX#event-${n}` }, SK: { S: 'EVENT' }, event: { S: body } },
  },
});
const context = { awsRequestId: 'req-1' } as Context;
const publishedIds = () => publishedEventIds(eventBridge);

describe('relay partial batch response', () => {
  it('answers no failures when every record is published', async () => {
    const records = Array.from({ length: 25 }, (_, i) => record(i));
    await expect(handler({ Records: records } as DynamoDBStreamEvent, context)).resolves.toEqual({
      batchItemFailures: [],
    });
    expect(publishedIds()).toHaveLength(25);
  });

  it('stops at a malformed record: publishes the records before it, names it, publishes nothing after it', async () => {
    const records = [record(1), record(2), record(3, '{"not":"an event"}'), record(4), record(5)];
    const answer = await handler({ Records: records } as DynamoDBStreamEvent, context);
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: '1003' }] });
    expect(publishedIds()).toEqual(['event-1', 'event-2']);

    // Lambda retries from 1003; once the record is readable, the retry publishes 3, 4, 5 and nothing else.
    eventBridge.resetHistory();
    const retried = [record(3), record(4), record(5)];
    await expect(handler({ Records: retried } as DynamoDBStreamEvent, context)).resolves.toEqual({
      batchItemFailures: [],
    });
    expect(publishedIds()).toEqual(['event-3', 'event-4', 'event-5']);
  });

  it('names the first event EventBridge keeps rejecting; earlier chunks are not sent again', async () => {
    eventBridge.on(PutEventsCommand).callsFake(async (input) => ({
      FailedEntryCount: input.Entries.some((e: { Detail: string }) => e.Detail.includes('"event-13"'))
        ? 1
        : 0,
      Entries: input.Entries.map((e: { Detail: string }, i: number) =>
        e.Detail.includes('"event-13"') ? { ErrorCode: 'InternalFailure' } : { EventId: `eb-${i}` },
      ),
    }));
    const records = Array.from({ length: 25 }, (_, i) => record(i));
    const answer = await handler({ Records: records } as DynamoDBStreamEvent, context);
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: '1013' }] });
    const ids = publishedIds();
    // The first ten went out once; the second ten were tried (the bus retries only event-13); the last five never.
    expect(ids.filter((id) => id === 'event-0')).toHaveLength(1);
    expect(ids).not.toContain('event-20');
  });
});
