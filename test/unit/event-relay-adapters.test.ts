import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../shared/events/event.ts';
import { EventBridgeEventBus, EventPublishError } from '../../shared/events/eventbridge-event-bus.ts';
import { outboxEvents, type StreamRecordLike } from '../../shared/events/relay-mapping.ts';
import { SqsDeliveryQueue } from '../../shared/webhooks/sqs-delivery-queue.ts';

const event = (n: number): DomainEvent => ({
  metadata: {
    id: `event-${n}`,
    type: 'PERSON_MOBILE_NUMBER_CREATED',
    version: 1,
    time: '2026-11-22T10:00:00.000Z',
  },
  data: { n },
});

const insert = (e: DomainEvent, pk = `OUTBOX#${e.metadata.id}`): StreamRecordLike => ({
  eventName: 'INSERT',
  dynamodb: { NewImage: { PK: { S: pk }, SK: { S: 'EVENT' }, event: { S: JSON.stringify(e) } } },
});

describe('stream record mapping (shared by the relay Lambda and the local poller)', () => {
  it('takes only outbox inserts, in order', () => {
    const records: StreamRecordLike[] = [
      insert(event(1)),
      { eventName: 'MODIFY', dynamodb: insert(event(2)).dynamodb },
      { eventName: 'REMOVE', dynamodb: {} },
      insert(event(3), 'PERSON#p1'),
      insert(event(4)),
    ];
    expect(outboxEvents(records).map((e) => e.metadata.id)).toEqual(['event-1', 'event-4']);
  });

  it('throws on a malformed outbox item instead of skipping it', () => {
    const broken: StreamRecordLike = {
      eventName: 'INSERT',
      dynamodb: { NewImage: { PK: { S: 'OUTBOX#x' }, SK: { S: 'EVENT' }, event: { S: '{"data":1}' } } },
    };
    expect(() => outboxEvents([broken])).toThrow();
  });
});

describe('EventBridge bus adapter', () => {
  const eventBridge = mockClient(EventBridgeClient);
  beforeEach(() => eventBridge.reset());
  const bus = () =>
    new EventBridgeEventBus(new EventBridgeClient({ region: 'eu-central-1' }), 'the-bus', { backoffMs: 1 });

  it('puts events on the bus in calls of at most 10, with source, detail type and the event as detail', async () => {
    eventBridge.on(PutEventsCommand).callsFake(async (input) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_: unknown, i: number) => ({ EventId: `eb-${i}` })),
    }));
    await bus().publish(Array.from({ length: 12 }, (_, i) => event(i)));
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls.map((c) => c.args[0].input.Entries!.length)).toEqual([10, 2]);
    expect(calls[0]!.args[0].input.Entries![0]).toEqual({
      EventBusName: 'the-bus',
      Source: 'phone-security',
      DetailType: 'PERSON_MOBILE_NUMBER_CREATED',
      Detail: JSON.stringify(event(0)),
      Time: new Date('2026-11-22T10:00:00.000Z'),
    });
  });

  it('retries only the entries EventBridge rejected', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException' }],
      })
      .resolvesOnce({ FailedEntryCount: 0, Entries: [{ EventId: 'b' }] });
    await bus().publish([event(1), event(2)]);
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.args[0].input.Entries!.map((e) => JSON.parse(e.Detail!).metadata.id)).toEqual([
      'event-2',
    ]);
  });

  it('fails the publish when entries keep failing, so the stream batch is retried', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'boom' }] });
    const publishing = bus().publish([event(1)]);
    await expect(publishing).rejects.toBeInstanceOf(EventPublishError);
    await expect(publishing).rejects.toMatchObject({
      failures: [{ eventId: 'event-1', code: 'InternalFailure' }],
    });
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(3);
  });

  it('fails the publish when the call itself fails', async () => {
    eventBridge.on(PutEventsCommand).rejects(new Error('network down'));
    await expect(bus().publish([event(1)])).rejects.toThrow('network down');
  });
});

describe('SQS delivery queue adapter', () => {
  const sqs = mockClient(SQSClient);
  beforeEach(() => sqs.reset());
  const now = new Date('2026-11-22T10:00:00.000Z');
  const queue = () =>
    new SqsDeliveryQueue(
      new SQSClient({ region: 'eu-central-1' }),
      'https://q/deliveries',
      'https://q/dlq',
      () => now,
    );
  const message = (n: number) => ({
    subscription_id: `s${n}`,
    event: event(n),
    attempt: 1,
    first_attempt_at: now.toISOString(),
  });

  it('sends one message per delivery; a delay beyond 15 minutes is capped and carried as not_before', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    await queue().enqueue([message(1), message(2)], 3600);
    const input = sqs.commandCalls(SendMessageBatchCommand)[0]!.args[0].input;
    expect(input.QueueUrl).toBe('https://q/deliveries');
    expect(input.Entries!.map((e) => e.DelaySeconds)).toEqual([900, 900]);
    expect(JSON.parse(input.Entries![0]!.MessageBody!)).toEqual({
      ...message(1),
      not_before: '2026-11-22T11:00:00.000Z',
    });
  });

  it('throws when SQS refuses a message, so the caller retries', async () => {
    sqs.on(SendMessageBatchCommand).resolves({
      Successful: [],
      Failed: [{ Id: '0', Code: 'KmsThrottled', SenderFault: false }],
    });
    await expect(queue().enqueue([message(1)], 0)).rejects.toThrow('KmsThrottled');
  });

  it('dead-letters with the reason', async () => {
    sqs.on(SendMessageCommand).resolves({});
    await queue().deadLetter(message(1), 'status 500');
    const input = sqs.commandCalls(SendMessageCommand)[0]!.args[0].input;
    expect(input.QueueUrl).toBe('https://q/dlq');
    expect(JSON.parse(input.MessageBody!)).toMatchObject({
      subscription_id: 's1',
      dead_letter_reason: 'status 500',
    });
  });
});
