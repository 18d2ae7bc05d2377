import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import { errorFields, logger } from '../logging.ts';
import type { DocumentClient } from '../storage/dynamo.ts';
import { StreamCheckpointStore } from './dynamo-stream-checkpoint-store.ts';
import type { EventBus } from './event-bus.ts';
import { relayRecords } from './relay-mapping.ts';

export interface LocalStreamRelayOptions {
  db: DocumentClient;
  tableName: string;
  /** DynamoDB Local's endpoint (its streams API answers on the same port). */
  endpoint: string;
  region: string;
  bus: EventBus;
  pollMs: number;
  now?: () => Date;
}

/**
 * Local mode's stand-in for the stream event source mapping: polls DynamoDB Local's stream of the table, feeds the
 * records to the same mapping code the relay Lambda uses, and publishes to the bus.
 *
 * At least once: the checkpoint (last sequence number per shard) is saved only after the bus accepted the events,
 * so a crash in between publishes them again on restart; nothing is skipped. A child shard is read only after its
 * parent was read to the end, so events keep their order per item.
 *
 * The checkpoint lives in the table, so its own writes show up in the stream: it is saved only when a batch carried
 * outbox events (or a shard was finished), which keeps the relay from feeding on its own writes.
 */
export class LocalStreamRelay {
  private readonly streams: DynamoDBStreamsClient;
  private readonly checkpoints: StreamCheckpointStore;
  private readonly iterators = new Map<string, string>();
  private readonly finished = new Set<string>();
  private streamArn: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private closing = false;

  constructor(private readonly options: LocalStreamRelayOptions) {
    this.streams = new DynamoDBStreamsClient({
      region: options.region,
      endpoint: options.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    this.checkpoints = new StreamCheckpointStore(options.db, options.tableName);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops polling and waits for a poll in progress, so nothing runs after the table's client is closed. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    this.streams.destroy();
  }

  /** One full pass over the stream: every readable shard is read up to its current end. */
  async pollOnce(): Promise<void> {
    const shards = await this.describeShards();
    const known = new Set(shards.map((shard) => shard.ShardId!));
    for (const shard of shards) {
      if (this.closing) return;
      const id = shard.ShardId!;
      if (this.finished.has(id)) continue;
      const parent = shard.ParentShardId;
      if (parent && known.has(parent) && !this.finished.has(parent)) continue;
      try {
        await this.drain(id);
      } catch (error) {
        // Start again from the saved checkpoint next time: re-reading is safe, skipping is not.
        this.iterators.delete(id);
        throw error;
      }
    }
  }

  private schedule(delayMs: number) {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.pollOnce()
        .catch((error: unknown) =>
          logger.warn('event relay poll failed', { status: 'failed', error: errorFields(error) }),
        )
        .finally(() => {
          this.running = undefined;
          this.schedule(this.options.pollMs);
        });
    }, delayMs);
  }

  private async describeShards(): Promise<Shard[]> {
    this.streamArn ??= (
      await this.options.db.send(new DescribeTableCommand({ TableName: this.options.tableName }))
    ).Table?.LatestStreamArn;
    if (!this.streamArn) throw new Error(`table ${this.options.tableName} has no stream`);
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const { StreamDescription } = await this.streams.send(
        new DescribeStreamCommand({ StreamArn: this.streamArn, ExclusiveStartShardId: start }),
      );
      shards.push(...(StreamDescription?.Shards ?? []));
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
    return shards;
  }

  private async iteratorFor(shardId: string): Promise<string | undefined> {
    const cached = this.iterators.get(shardId);
    if (cached) return cached;
    const checkpoint = await this.checkpoints.get(shardId);
    if (checkpoint?.finished) {
      this.finished.add(shardId);
      return undefined;
    }
    const { ShardIterator } = await this.streams.send(
      new GetShardIteratorCommand({
        StreamArn: this.streamArn,
        ShardId: shardId,
        ...(checkpoint?.sequenceNumber
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: checkpoint.sequenceNumber }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    return ShardIterator;
  }

  private async drain(shardId: string): Promise<void> {
    const now = () => this.options.now?.() ?? new Date();
    for (;;) {
      const iterator = await this.iteratorFor(shardId);
      if (!iterator) return;
      const { Records = [], NextShardIterator } = await this.streams.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }),
      );
      const published = await relayRecords(Records, this.options.bus);
      const last = Records.at(-1)?.dynamodb?.SequenceNumber;
      if (published > 0 && last) {
        await this.checkpoints.save(shardId, { sequenceNumber: last, finished: false }, now());
      }
      if (!NextShardIterator) {
        // A closed shard read to its end: remember it, so a restart goes straight to its children.
        await this.checkpoints.save(shardId, { sequenceNumber: last, finished: true }, now());
        this.finished.add(shardId);
        this.iterators.delete(shardId);
        return;
      }
      this.iterators.set(shardId, NextShardIterator);
      if (Records.length === 0) return;
    }
  }
}
