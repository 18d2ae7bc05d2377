import { DynamoAdapter, type ItemKey, readItem, type TxPart } from '../storage/dynamo.ts';

/** The person's count of active devices: PERSON#<pid>/DEVICES. It bounds bindings atomically. */
const counterKey = (personId: string): ItemKey => ({ PK: `PERSON#${personId}`, SK: 'DEVICES' });

export class DynamoDeviceCounter extends DynamoAdapter {
  async activeCount(personId: string): Promise<number> {
    return ((await readItem(this.db, this.tableName, counterKey(personId)))?.active_count as number) ?? 0;
  }

  /** One more active device, unless the person is at `max`. */
  increment(personId: string, max: number): TxPart {
    return this.update(personId, {
      UpdateExpression: 'SET active_count = if_not_exists(active_count, :zero) + :one',
      ConditionExpression: 'attribute_not_exists(active_count) OR active_count < :max',
      ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':max': max },
    });
  }

  decrement(personId: string): TxPart {
    return this.update(personId, {
      UpdateExpression: 'SET active_count = active_count - :one',
      ConditionExpression: 'active_count > :zero',
      ExpressionAttributeValues: { ':one': 1, ':zero': 0 },
    });
  }

  private update(
    personId: string,
    update: {
      UpdateExpression: string;
      ConditionExpression: string;
      ExpressionAttributeValues: Record<string, unknown>;
    },
  ): TxPart {
    return {
      name: 'counter',
      item: { Update: { TableName: this.tableName, Key: counterKey(personId), ...update } },
    };
  }
}
