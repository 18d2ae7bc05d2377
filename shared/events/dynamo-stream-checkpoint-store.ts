import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoAdapter } from '../storage/dynamo.ts';

export interface ShardCheckpoint {
  /** The last stream record whose outbox events were published. */
  sequenceNumber: string | undefined;
  /** The shard is closed and was read to its end. */
  finished: boolean;
}

const checkpointKey = (shardId: string) => ({ PK: 'RELAY_CHECKPOINT', SK: `SHARD#${shardId}` });

/** Local relay: where it got to in each shard of the table's stream, kept in the same table to survive restarts. */
export class StreamCheckpointStore extends DynamoAdapter {
  get(shardId: string): Promise<ShardCheckpoint | undefined> {
    return this.readRecord(checkpointKey(shardId), (item) => ({
      sequenceNumber: item.sequence_number as string | undefined,
      finished: item.finished === true,
    }));
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
