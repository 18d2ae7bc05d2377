import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoAdapter, type ItemKey, recordReader, type TxPart } from '../storage/dynamo.ts';
import type { KeyRecord } from './device-records.ts';

/** Key items: DEVICE#<device id>/KEY#<key id>, beside their device. */
const keyKey = (deviceId: string, keyId: string): ItemKey => ({
  PK: `DEVICE#${deviceId}`,
  SK: `KEY#${keyId}`,
});

const toKey = recordReader<KeyRecord>({
  keyId: true,
  deviceId: true,
  personId: true,
  publicKey: true,
  keyType: true,
  keyPurpose: true,
  createdAt: true,
  usedAt: true,
});

export class DynamoDeviceKeys extends DynamoAdapter {
  get(deviceId: string, keyId: string): Promise<KeyRecord | undefined> {
    return this.readRecord(keyKey(deviceId, keyId), toKey);
  }

  /** A device's keys (a device has a handful at most: one per purpose plus its binding key). */
  async list(deviceId: string): Promise<KeyRecord[]> {
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :key)',
        ExpressionAttributeValues: { ':pk': `DEVICE#${deviceId}`, ':key': 'KEY#' },
        ConsistentRead: true,
      }),
    );
    return (Items ?? []).map(toKey);
  }

  /** A new key (fresh id: never an overwrite); a pending key carries the pending device's TTL. */
  put(key: KeyRecord, ttl?: number): TxPart {
    return {
      name: 'key',
      item: {
        Put: {
          TableName: this.tableName,
          Item: {
            ...keyKey(key.deviceId, key.keyId),
            entity: 'device_key',
            key_id: key.keyId,
            device_id: key.deviceId,
            person_id: key.personId,
            public_key: key.publicKey,
            key_type: key.keyType,
            key_purpose: key.keyPurpose,
            created_at: key.createdAt,
            ...(ttl !== undefined ? { ttl } : {}),
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
    };
  }

  /** The key signed at `now` (a binding key also stops expiring). Named `name` when a transaction holds two keys. */
  markUsed(
    deviceId: string,
    keyId: string,
    now: Date,
    options: { keep?: boolean; name?: string } = {},
  ): TxPart {
    return {
      name: options.name ?? 'key',
      item: {
        Update: {
          TableName: this.tableName,
          Key: keyKey(deviceId, keyId),
          UpdateExpression: options.keep ? 'SET used_at = :now REMOVE #ttl' : 'SET used_at = :now',
          ConditionExpression: 'attribute_exists(PK)',
          ...(options.keep ? { ExpressionAttributeNames: { '#ttl': 'ttl' } } : {}),
          ExpressionAttributeValues: { ':now': now.toISOString() },
        },
      },
    };
  }
}
