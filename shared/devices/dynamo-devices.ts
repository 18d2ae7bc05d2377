import { QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { type Condition, DynamoAdapter, type ItemKey, recordReader, type TxPart } from '../storage/dynamo.ts';
import type { DeviceExpectation, DeviceRecord, PasskeyFacts } from './device-records.ts';

/**
 * Device items: DEVICE#<id>/DEVICE. A device appears in the person's index (GSI1) only once it is bound, under
 * ACTIVE#, and moves to DELETED# on delete, so listing is one Query without filters.
 */
export const deviceKey = (deviceId: string): ItemKey => ({ PK: `DEVICE#${deviceId}`, SK: 'DEVICE' });
const personDevices = (personId: string) => `PERSON#${personId}#DEVICES`;

const deviceFields = recordReader<DeviceRecord>({
  id: true,
  personId: true,
  name: true,
  status: true,
  createdAt: true,
  boundAt: true,
  deletedAt: true,
  activeKeys: true,
  passkey: true,
});
/** A device as stored; one that never had keys (pending, deleted) reads with none. */
const toDevice = (item: Record<string, unknown>): DeviceRecord => {
  const device = deviceFields(item);
  return { ...device, activeKeys: device.activeKeys ?? {} };
};

/** The condition a device must meet for an answer to count. */
function expecting(expectation: DeviceExpectation): Condition {
  return expectation.state === 'pending'
    ? {
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pending': 'pending' },
      }
    : {
        ConditionExpression: '#status = :active AND active_keys.#purpose = :key',
        ExpressionAttributeNames: { '#status': 'status', '#purpose': expectation.keyPurpose },
        ExpressionAttributeValues: { ':active': 'active', ':key': expectation.keyId },
      };
}

export class DynamoDevices extends DynamoAdapter {
  get(deviceId: string): Promise<DeviceRecord | undefined> {
    return this.readRecord(deviceKey(deviceId), toDevice);
  }

  /**
   * One page of a person's bound devices, oldest first (active ones, then deleted ones when asked), by a Query on
   * GSI1. Page n is found by reading the n-1 pages before it: the index has no offsets, and a person's devices are few.
   */
  async list(
    personId: string,
    options: { includeDeleted: boolean; pageSize: number; pageNumber: number },
  ): Promise<DeviceRecord[]> {
    const wanted = options.pageSize * options.pageNumber;
    const items: Record<string, unknown>[] = [];
    let startKey: QueryCommandOutput['LastEvaluatedKey'];
    do {
      const page: QueryCommandOutput = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'GSI1',
          KeyConditionExpression: options.includeDeleted
            ? 'GSI1PK = :pk'
            : 'GSI1PK = :pk AND begins_with(GSI1SK, :active)',
          ExpressionAttributeValues: {
            ':pk': personDevices(personId),
            ...(options.includeDeleted ? {} : { ':active': 'ACTIVE#' }),
          },
          Limit: wanted - items.length,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey && items.length < wanted);
    return items.slice(wanted - options.pageSize).map(toDevice);
  }

  /** A new pending device (its id is fresh: never an overwrite); TTL removes it unless a binding completes. */
  putPending(device: DeviceRecord, deviceData: string | undefined, ttl: number): TxPart {
    return {
      name: 'device',
      item: {
        Put: {
          TableName: this.tableName,
          Item: {
            ...deviceKey(device.id),
            entity: 'device',
            id: device.id,
            person_id: device.personId,
            name: device.name,
            status: 'pending',
            created_at: device.createdAt,
            device_data: deviceData,
            ttl,
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
    };
  }

  /** The device is still what an answer needs (pending, or active with the challenge's key). */
  stillExpected(deviceId: string, expectation: DeviceExpectation): TxPart {
    return {
      name: 'device',
      item: {
        ConditionCheck: { TableName: this.tableName, Key: deviceKey(deviceId), ...expecting(expectation) },
      },
    };
  }

  /** A pending device becomes active with its first key, and enters the person's index. */
  activate(
    device: Pick<DeviceRecord, 'id' | 'personId' | 'createdAt'>,
    keyPurpose: string,
    keyId: string,
    now: Date,
    passkey?: PasskeyFacts,
  ) {
    return this.update(device.id, {
      UpdateExpression: `SET #status = :active, bound_at = :now, active_keys = :keys, GSI1PK = :gpk, GSI1SK = :gsk${passkey ? ', passkey = :passkey' : ''} REMOVE #ttl`,
      ConditionExpression: '#status = :pending',
      ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl' },
      ExpressionAttributeValues: {
        ':active': 'active',
        ':pending': 'pending',
        ':now': now.toISOString(),
        ':keys': { [keyPurpose]: keyId },
        ':gpk': personDevices(device.personId),
        ':gsk': `ACTIVE#${device.createdAt}#${device.id}`,
        ...(passkey ? { ':passkey': passkey } : {}),
      },
    });
  }

  /**
   * Soft delete: the record stays as a tombstone with `deleted_at` (a pending one stops expiring), loses its keys,
   * and moves to DELETED# in the index.
   */
  softDelete(device: DeviceRecord, now: Date) {
    const wasActive = device.status === 'active';
    return this.update(device.id, {
      UpdateExpression: wasActive
        ? 'SET #status = :deleted, deleted_at = :now, GSI1SK = :gsk REMOVE active_keys'
        : 'SET #status = :deleted, deleted_at = :now REMOVE active_keys, #ttl',
      ConditionExpression: '#status = :was',
      ExpressionAttributeNames: wasActive ? { '#status': 'status' } : { '#status': 'status', '#ttl': 'ttl' },
      ExpressionAttributeValues: {
        ':deleted': 'deleted',
        ':now': now.toISOString(),
        ':was': device.status,
        ...(wasActive ? { ':gsk': `DELETED#${device.createdAt}#${device.id}` } : {}),
      },
    });
  }

  /** Points the device's free slot for `purpose` at a new key, while `signer` still signs for its own purpose. */
  assignKey(deviceId: string, purpose: string, keyId: string, signer: { purpose: string; keyId: string }) {
    return this.update(deviceId, {
      UpdateExpression: 'SET active_keys.#new = :key',
      ConditionExpression:
        '#status = :active AND active_keys.#signer = :signer AND attribute_not_exists(active_keys.#new)',
      ExpressionAttributeNames: { '#status': 'status', '#new': purpose, '#signer': signer.purpose },
      ExpressionAttributeValues: { ':active': 'active', ':key': keyId, ':signer': signer.keyId },
    });
  }

  private update(deviceId: string, update: Condition & { UpdateExpression: string }): TxPart {
    return {
      name: 'device',
      item: { Update: { TableName: this.tableName, Key: deviceKey(deviceId), ...update } },
    };
  }
}
