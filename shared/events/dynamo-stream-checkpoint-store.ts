import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DocumentClient } from '../storage/dynamo.ts';

export interface ShardCheckpoint {
  /** The last stream record whose outbox events were published. */
  sequenceNumber: string | undefined;
  /** The shard is closed and was read to its end. */
  finished: boolean;
}

const checkpointKey = (shardId: string) => ({ PK: 'RELAY_CHECKPOINT', SK: `SHARD#${shardId}` });

/** Local relay: where it got to in each shard of the table's stream, kept in the same table to survive restarts. */
export class StreamCheckpointStore {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
  ) {}

  async get(shardId: string): Promise<ShardCheckpoint | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: checkpointKey(shardId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return { sequenceNumber: Item.sequence_number as string | undefined, finished: Item.finished === true };
  }

  async save(shardId: string, checkpoint: ShardCheckpoint, now: Date): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...checkpointKey(shardId),
          entity: 'relay_checkpoint',
          sequence_number: checkpoint.sequenceNumber,
          finished: checkpoint.finished,
          updated_at: now.toISOString(),
        },
      }),
    );
  }
}
