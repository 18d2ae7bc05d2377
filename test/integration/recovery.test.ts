import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/service-function.ts';
import { redriveQueue, redriveRelayFailures, replayOutbox } from '../../shared/aws/recovery.ts';
import { type DomainEvent, outboxPut } from '../../shared/events/event.ts';
import { EventBridgeEventBus } from '../../shared/events/eventbridge-event-bus.ts';
import { createDocumentClient, type DocumentClient, ensureTable } from '../../shared/storage/dynamo.ts';
import { acceptAllPutEvents, publishedEventIds } from '../support/eventbridge.ts';
import { uniqueTable } from '../support/harness.ts';

/** The recovery commands: SQS and EventBridge mocked (aws-sdk-client-mock), the outbox in DynamoDB Local. */
const sqsMock = mockClient(SQSClient);
const ebMock = mockClient(EventBridgeClient);
let db: DocumentClient;
const tableName = uniqueTable();
const DLQ = 'https://sqs.eu-central-1.amazonaws.com/111111111111/dlq';
const QUEUE = 'https://sqs.eu-central-1.amazonaws.com/111111111111/queue';

const event = (id: string, type: string, time: string): DomainEvent => ({
  metadata: { id, type, version: 1, time },
  data: { id },
});
const stored = [
  event('e1', 'PERSON_MOBILE_NUMBER_CREATED', '2026-12-01T09:59:00.000Z'),
  event('e2', 'PERSON_MOBILE_NUMBER_CREATED', '2026-12-01T10:00:30.000Z'),
  event('e3', 'DEVICE_BOUND', '2026-12-01T10:01:00.000Z'),
  event('e4', 'PERSON_MOBILE_NUMBER_DELETED', '2026-12-01T10:05:00.000Z'),
];

beforeAll(async () => {
  db = createDocumentClient({ region: 'us-east-1', endpoint: inject('dynamoEndpoint') });
  await ensureTable(db, tableName);
  for (const e of stored) {
    await db.send(
      new TransactWriteCommand({ TransactItems: [outboxPut(tableName, e, new Date(e.metadata.time)).item] }),
    );
  }
  // Not an outbox item: never replayed.
  await db.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: tableName,
            Item: { PK: 'PERSON#p', SK: 'MOBILE_NUMBER', created_at: '2026-12-01T10:00:00.000Z' },
          },
        },
      ],
    }),
  );
});
afterAll(() => db.destroy());
beforeEach(() => {
  sqsMock.reset();
  ebMock.reset();
  acceptAllPutEvents(ebMock);
});

const bus = () => new EventBridgeEventBus(new EventBridgeClient({ region: 'eu-central-1' }), 'the-bus');
const publishedIds = () => publishedEventIds(ebMock);

describe('replaying outbox events', () => {
  it('publishes the outbox events of the window, oldest first, and only those', async () => {
    const result = await replayOutbox(db, tableName, bus(), {
      from: new Date('2026-12-01T10:00:00Z'),
      to: new Date('2026-12-01T10:02:00Z'),
    });
    expect(result).toEqual({ events: 2, published: 2 });
    expect(publishedIds()).toEqual(['e2', 'e3']);
    const entry = ebMock.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!;
    expect(entry).toMatchObject({ EventBusName: 'the-bus', DetailType: 'PERSON_MOBILE_NUMBER_CREATED' });
  });

  it('filters by event type, and a dry run publishes nothing', async () => {
    const window = { from: new Date('2026-12-01T00:00:00Z'), to: new Date('2026-12-02T00:00:00Z') };
    expect(await replayOutbox(db, tableName, bus(), { ...window, types: ['DEVICE_BOUND'] })).toEqual({
      events: 1,
      published: 1,
    });
    expect(publishedIds()).toEqual(['e3']);
    ebMock.resetHistory();
    expect(await replayOutbox(db, tableName, bus(), { ...window, dryRun: true })).toEqual({
      events: 4,
      published: 0,
    });
    expect(ebMock.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('runs as `npm run ops -- replay --dry-run` against the table', async () => {
    const { stdout } = await promisify(execFile)(
      'npm',
      [
        'run',
        '-s',
        'ops',
        '--',
        'replay',
        '--table',
        tableName,
        '--bus',
        'the-bus',
        '--from',
        '2026-12-01T09:00:00Z',
        '--to',
        '2026-12-01T10:02:00Z',
        '--dry-run',
      ],
      {
        cwd: PROJECT_ROOT,
        env: {
          ...process.env,
          DYNAMODB_ENDPOINT: inject('dynamoEndpoint'),
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_EC2_METADATA_DISABLED: 'true',
          // Anything but DynamoDB would fail here, on loopback.
          AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
        },
      },
    );
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({ events: 3, published: 0 });
  }, 60_000);
});

describe('redriving a dead-letter queue', () => {
  const message = (n: number, body: unknown) => ({
    MessageId: `m${n}`,
    ReceiptHandle: `r${n}`,
    Body: JSON.stringify(body),
  });

  it('moves delivery messages back with a fresh retry window, deleting each only after SQS took it', async () => {
    const dead = {
      subscription_id: 's1',
      event: stored[0],
      attempt: 9,
      first_attempt_at: '2026-11-20T00:00:00Z',
      dead_letter_reason: 'retry window over',
      not_before: 'x',
    };
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message(1, dead), message(2, { ...dead, subscription_id: 's2' })] })
      .resolves({ Messages: [] });
    sqsMock.on(SendMessageBatchCommand).resolves({
      Successful: [
        { Id: '0', MessageId: 'n0', MD5OfMessageBody: '' },
        { Id: '1', MessageId: 'n1', MD5OfMessageBody: '' },
      ],
      Failed: [],
    });
    sqsMock.on(DeleteMessageBatchCommand).resolves({ Successful: [{ Id: '0' }, { Id: '1' }], Failed: [] });
    const now = new Date('2026-12-02T12:00:00Z');
    expect(
      await redriveQueue(new SQSClient({ region: 'eu-central-1' }), {
        kind: 'delivery',
        from: DLQ,
        to: QUEUE,
        now: () => now,
      }),
    ).toEqual({ moved: 2 });
    const sent = sqsMock.commandCalls(SendMessageBatchCommand)[0]!.args[0].input;
    expect(sent.QueueUrl).toBe(QUEUE);
    expect(JSON.parse(sent.Entries![0]!.MessageBody!)).toEqual({
      subscription_id: 's1',
      event: stored[0],
      attempt: 1,
      first_attempt_at: now.toISOString(),
    });
    expect(sqsMock.commandCalls(DeleteMessageBatchCommand)[0]!.args[0].input).toEqual({
      QueueUrl: DLQ,
      Entries: [
        { Id: '0', ReceiptHandle: 'r1' },
        { Id: '1', ReceiptHandle: 'r2' },
      ],
    });
  });

  it('keeps a message SQS refused in the dead-letter queue and says so', async () => {
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message(1, { detail: 1 }), message(2, { detail: 2 })] });
    sqsMock.on(SendMessageBatchCommand).resolves({
      Successful: [{ Id: '0', MessageId: 'n0', MD5OfMessageBody: '' }],
      Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }],
    });
    sqsMock.on(DeleteMessageBatchCommand).resolves({ Successful: [{ Id: '0' }], Failed: [] });
    await expect(
      redriveQueue(new SQSClient({ region: 'eu-central-1' }), { kind: 'fan-out', from: DLQ, to: QUEUE }),
    ).rejects.toThrow(/refused 1 message/);
    // Fan-out messages go back unchanged; only the accepted one was deleted.
    expect(sqsMock.commandCalls(SendMessageBatchCommand)[0]!.args[0].input.Entries![0]!.MessageBody).toBe(
      '{"detail":1}',
    );
    expect(sqsMock.commandCalls(DeleteMessageBatchCommand)[0]!.args[0].input.Entries).toEqual([
      { Id: '0', ReceiptHandle: 'r1' },
    ]);
  });
});

describe('redriving the relay failure queue', () => {
  it('replays each failed stream batch from the outbox by its arrival times, then deletes the record', async () => {
    const failure = {
      requestContext: { condition: 'RetryAttemptsExhausted' },
      DDBStreamBatchInfo: {
        shardId: 'shardId-1',
        startSequenceNumber: '100',
        endSequenceNumber: '200',
        approximateArrivalOfFirstRecord: '2026-12-01T10:04:30Z',
        approximateArrivalOfLastRecord: '2026-12-01T10:04:40Z',
        batchSize: 1,
      },
    };
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [{ MessageId: 'f1', ReceiptHandle: 'rf1', Body: JSON.stringify(failure) }] })
      .resolves({ Messages: [] });
    sqsMock.on(DeleteMessageBatchCommand).resolves({ Successful: [{ Id: '0' }], Failed: [] });
    const target = bus();
    const result = await redriveRelayFailures(
      new SQSClient({ region: 'eu-central-1' }),
      DLQ,
      async (from, to) => (await replayOutbox(db, tableName, target, { from, to })).published,
    );
    expect(result).toEqual({ batches: 1, events: 1, skipped: 0 });
    expect(publishedIds()).toEqual(['e4']);
    expect(sqsMock.commandCalls(DeleteMessageBatchCommand)).toHaveLength(1);
  });
});
