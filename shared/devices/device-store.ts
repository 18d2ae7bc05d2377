import {
  GetCommand,
  QueryCommand,
  type QueryCommandOutput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { type DomainEvent, outboxPut } from '../events/event.ts';
import { type DocumentClient, transactionConditionFailures } from '../storage/dynamo.ts';

export const KEY_PURPOSES = ['unrestricted', 'restricted'] as const;
export type KeyPurpose = (typeof KEY_PURPOSES)[number];
export type DeviceStatus = 'pending' | 'active' | 'deleted';

export interface DeviceRecord {
  id: string;
  personId: string;
  name: string;
  status: DeviceStatus;
  createdAt: string;
  boundAt?: string | undefined;
  deletedAt?: string | undefined;
  /** The key that signs for each purpose; only an active device has any. */
  activeKeys: Partial<Record<KeyPurpose, string>>;
}

export interface KeyRecord {
  keyId: string;
  deviceId: string;
  personId: string;
  /** Hex of the uncompressed point, lower case. */
  publicKey: string;
  keyType: 'ecdsa-p256';
  keyPurpose: KeyPurpose;
  createdAt: string;
  usedAt?: string | undefined;
}

interface ChallengeBase {
  id: string;
  deviceId: string;
  keyId: string;
  keyPurpose: KeyPurpose;
  personId: string;
  createdAt: string;
  expiresAtMs: number;
  attempts: number;
  consumedAt?: string | undefined;
  /**
   * The signing key's public key, copied in when the challenge is made, so that an answer is checked from the
   * challenge alone (one read). Completion still requires the device to be active with that key.
   */
  publicKey?: string | undefined;
}

/** Proves possession of a new key: the device signs the OTP sent by SMS. The OTP is kept sealed, never plain. */
export interface SignatureChallengeRecord extends ChallengeBase {
  type: 'signature';
  sealedOtp: string;
  /** The pending device's name and creation time (for DEVICE_BOUND and the person's index). */
  deviceName?: string | undefined;
  deviceCreatedAt?: string | undefined;
}

/** Device signing: the device signs a random string with an active key. `boundTo` ties it to one caller's purpose. */
export interface DeviceChallengeRecord extends ChallengeBase {
  type: 'device';
  stringToSign: string;
  boundTo?: string | undefined;
}

export type ChallengeRecord = SignatureChallengeRecord | DeviceChallengeRecord;

/** At most this many active (bound, not deleted) devices per person. */
export const MAX_ACTIVE_DEVICES = 5;

/** Challenges stay readable a day after they expire, then TTL removes them; pending devices likewise. */
const RETENTION_SECONDS = 24 * 3600;

const deviceKey = (deviceId: string) => ({ PK: `DEVICE#${deviceId}`, SK: 'DEVICE' });
const keyKey = (deviceId: string, keyId: string) => ({ PK: `DEVICE#${deviceId}`, SK: `KEY#${keyId}` });
const challengeKey = (challengeId: string) => ({ PK: `CHALLENGE#${challengeId}`, SK: 'CHALLENGE' });
const counterKey = (personId: string) => ({ PK: `PERSON#${personId}`, SK: 'DEVICES' });
const personDevices = (personId: string) => `PERSON#${personId}#DEVICES`;

function toDevice(item: Record<string, unknown>): DeviceRecord {
  return {
    id: item.id as string,
    personId: item.person_id as string,
    name: item.name as string,
    status: item.status as DeviceStatus,
    createdAt: item.created_at as string,
    boundAt: item.bound_at as string | undefined,
    deletedAt: item.deleted_at as string | undefined,
    activeKeys: (item.active_keys as DeviceRecord['activeKeys'] | undefined) ?? {},
  };
}

function toKey(item: Record<string, unknown>): KeyRecord {
  return {
    keyId: item.key_id as string,
    deviceId: item.device_id as string,
    personId: item.person_id as string,
    publicKey: item.public_key as string,
    keyType: item.key_type as 'ecdsa-p256',
    keyPurpose: item.key_purpose as KeyPurpose,
    createdAt: item.created_at as string,
    usedAt: item.used_at as string | undefined,
  };
}

function toChallenge(item: Record<string, unknown>): ChallengeRecord {
  const base: ChallengeBase = {
    id: item.id as string,
    deviceId: item.device_id as string,
    keyId: item.key_id as string,
    keyPurpose: item.key_purpose as KeyPurpose,
    personId: item.person_id as string,
    createdAt: item.created_at as string,
    expiresAtMs: item.expires_at_ms as number,
    attempts: item.attempts as number,
    consumedAt: item.consumed_at as string | undefined,
    publicKey: item.public_key as string | undefined,
  };
  return item.type === 'signature'
    ? {
        ...base,
        type: 'signature',
        sealedOtp: item.sealed_otp as string,
        deviceName: item.device_name as string | undefined,
        deviceCreatedAt: item.device_created_at as string | undefined,
      }
    : {
        ...base,
        type: 'device',
        stringToSign: item.string_to_sign as string,
        boundTo: item.bound_to as string | undefined,
      };
}

function keyItem(key: KeyRecord, extra: Record<string, unknown> = {}) {
  return {
    ...keyKey(key.deviceId, key.keyId),
    entity: 'device_key',
    key_id: key.keyId,
    device_id: key.deviceId,
    person_id: key.personId,
    public_key: key.publicKey,
    key_type: key.keyType,
    key_purpose: key.keyPurpose,
    created_at: key.createdAt,
    ...extra,
  };
}

function challengeItem(challenge: ChallengeRecord) {
  const common = {
    ...challengeKey(challenge.id),
    entity: 'challenge',
    id: challenge.id,
    type: challenge.type,
    device_id: challenge.deviceId,
    key_id: challenge.keyId,
    key_purpose: challenge.keyPurpose,
    person_id: challenge.personId,
    created_at: challenge.createdAt,
    expires_at_ms: challenge.expiresAtMs,
    attempts: 0,
    public_key: challenge.publicKey,
    ttl: Math.ceil(challenge.expiresAtMs / 1000) + RETENTION_SECONDS,
  };
  return challenge.type === 'signature'
    ? {
        ...common,
        sealed_otp: challenge.sealedOtp,
        device_name: challenge.deviceName,
        device_created_at: challenge.deviceCreatedAt,
      }
    : { ...common, string_to_sign: challenge.stringToSign, bound_to: challenge.boundTo };
}

/** Why a challenge refused an attempt. */
export type AttemptRefusal = 'not_found' | 'used' | 'expired' | 'burnt';

/**
 * Runs a transaction (the client retries conflicts with concurrent transactions, see storage/dynamo.ts). Answers the
 * indexes of items whose condition failed, or undefined when it committed.
 */
async function transact(db: DocumentClient, input: TransactWriteCommandInput): Promise<number[] | undefined> {
  try {
    await db.send(new TransactWriteCommand(input));
    return undefined;
  } catch (error) {
    const failed = transactionConditionFailures(error);
    if (failed) return failed;
    throw error;
  }
}

/**
 * Devices, their keys and their challenges. Items (see table-definition.ts):
 * DEVICE#<id>/DEVICE, DEVICE#<id>/KEY#<key id>, CHALLENGE#<id>/CHALLENGE, PERSON#<pid>/DEVICES (active count).
 * A device appears in the person's index (GSI1) only once it is bound, under ACTIVE#, and moves to DELETED# on delete,
 * so listing is one Query without filters.
 */
export class DeviceStore {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
  ) {}

  private async getItem(key: Record<string, string>) {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return Item;
  }

  async getDevice(deviceId: string): Promise<DeviceRecord | undefined> {
    const item = await this.getItem(deviceKey(deviceId));
    return item ? toDevice(item) : undefined;
  }

  async getKey(deviceId: string, keyId: string): Promise<KeyRecord | undefined> {
    const item = await this.getItem(keyKey(deviceId, keyId));
    return item ? toKey(item) : undefined;
  }

  async getChallenge(challengeId: string): Promise<ChallengeRecord | undefined> {
    const item = await this.getItem(challengeKey(challengeId));
    return item ? toChallenge(item) : undefined;
  }

  async activeDeviceCount(personId: string): Promise<number> {
    return ((await this.getItem(counterKey(personId)))?.active_count as number | undefined) ?? 0;
  }

  /** A device's keys (a device has a handful at most: one per purpose plus its binding key). */
  async listKeys(deviceId: string): Promise<KeyRecord[]> {
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

  /**
   * One page of a person's bound devices, oldest first (active ones, then deleted ones when asked), by a Query on
   * GSI1. Page n is found by reading the n-1 pages before it: the index has no offsets, and a person's devices are few.
   */
  async listDevices(
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

  /** Stores a pending device, its pending key and the binding challenge together (ids are fresh: no overwrite). */
  async createPendingBinding(
    device: DeviceRecord,
    key: KeyRecord,
    challenge: SignatureChallengeRecord,
    deviceData: string | undefined,
  ): Promise<void> {
    const ttl = Math.ceil(challenge.expiresAtMs / 1000) + RETENTION_SECONDS;
    const fresh = 'attribute_not_exists(PK)';
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
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
              ConditionExpression: fresh,
            },
          },
          { Put: { TableName: this.tableName, Item: keyItem(key, { ttl }), ConditionExpression: fresh } },
          { Put: { TableName: this.tableName, Item: challengeItem(challenge), ConditionExpression: fresh } },
        ],
      }),
    );
  }

  async createDeviceChallenge(challenge: DeviceChallengeRecord): Promise<boolean> {
    const failed = await transact(this.db, {
      TransactItems: [
        {
          ConditionCheck: {
            TableName: this.tableName,
            Key: deviceKey(challenge.deviceId),
            ConditionExpression: '#status = :active AND active_keys.#purpose = :key',
            ExpressionAttributeNames: { '#status': 'status', '#purpose': challenge.keyPurpose },
            ExpressionAttributeValues: { ':active': 'active', ':key': challenge.keyId },
          },
        },
        {
          Put: {
            TableName: this.tableName,
            Item: challengeItem(challenge),
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
      ],
    });
    return failed === undefined;
  }

  /** The challenge is still answerable: not used, not expired, attempts left (checked again at commit). */
  private answerable(maxAttempts: number, now: Date) {
    return {
      ConditionExpression: 'attribute_not_exists(consumed_at) AND expires_at_ms > :nowMs AND attempts < :max',
      ExpressionAttributeValues: { ':nowMs': now.getTime(), ':max': maxAttempts } as Record<string, unknown>,
    };
  }

  private consumeChallenge(challenge: ChallengeRecord, now: Date, maxAttempts: number) {
    const answerable = this.answerable(maxAttempts, now);
    return {
      Update: {
        TableName: this.tableName,
        Key: challengeKey(challenge.id),
        UpdateExpression: 'SET consumed_at = :now',
        ConditionExpression: answerable.ConditionExpression,
        ExpressionAttributeValues: { ...answerable.ExpressionAttributeValues, ':now': now.toISOString() },
      },
    };
  }

  /**
   * Charges a wrong answer: one attempt, provided the challenge is still answerable and its device still in the
   * state the answer needed (`pending` for a binding, active with the challenge's key for device signing). The
   * caller tells the answer only after this committed, so racing wrong answers never learn more than
   * `maxAttempts` outcomes. Answers `charged`, `refused` (read the challenge again for the reason) or `device_gone`.
   */
  async chargeWrongAnswer(
    challenge: ChallengeRecord,
    now: Date,
    maxAttempts: number,
  ): Promise<'charged' | 'refused' | 'device_gone'> {
    const answerable = this.answerable(maxAttempts, now);
    const device: {
      ConditionExpression: string;
      ExpressionAttributeNames: Record<string, string>;
      ExpressionAttributeValues: Record<string, unknown>;
    } =
      challenge.type === 'signature'
        ? {
            ConditionExpression: '#status = :pending',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':pending': 'pending' },
          }
        : {
            ConditionExpression: '#status = :active AND active_keys.#purpose = :key',
            ExpressionAttributeNames: { '#status': 'status', '#purpose': challenge.keyPurpose },
            ExpressionAttributeValues: { ':active': 'active', ':key': challenge.keyId },
          };
    const failed = await transact(this.db, {
      TransactItems: [
        {
          Update: {
            TableName: this.tableName,
            Key: challengeKey(challenge.id),
            UpdateExpression: 'SET attempts = attempts + :one',
            ConditionExpression: answerable.ConditionExpression,
            ExpressionAttributeValues: { ...answerable.ExpressionAttributeValues, ':one': 1 },
          },
        },
        { ConditionCheck: { TableName: this.tableName, Key: deviceKey(challenge.deviceId), ...device } },
      ],
    });
    if (!failed) return 'charged';
    return failed.includes(0) ? 'refused' : 'device_gone';
  }

  /**
   * Completes a binding in one transaction: the challenge is consumed (exactly once), the device and key become
   * active, the person's active-device count goes up unless it is at the limit, and DEVICE_BOUND is written.
   */
  async completeBinding(
    challenge: SignatureChallengeRecord,
    device: Pick<DeviceRecord, 'id' | 'personId' | 'createdAt'>,
    event: DomainEvent,
    now: Date,
    maxAttempts: number,
  ): Promise<'ok' | 'used' | 'device_gone' | 'too_many_devices'> {
    const at = now.toISOString();
    const failed = await transact(this.db, {
      TransactItems: [
        this.consumeChallenge(challenge, now, maxAttempts),
        {
          Update: {
            TableName: this.tableName,
            Key: deviceKey(device.id),
            UpdateExpression:
              'SET #status = :active, bound_at = :now, active_keys = :keys, GSI1PK = :gpk, GSI1SK = :gsk REMOVE #ttl',
            ConditionExpression: '#status = :pending',
            ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl' },
            ExpressionAttributeValues: {
              ':active': 'active',
              ':pending': 'pending',
              ':now': at,
              ':keys': { [challenge.keyPurpose]: challenge.keyId },
              ':gpk': personDevices(device.personId),
              ':gsk': `ACTIVE#${device.createdAt}#${device.id}`,
            },
          },
        },
        {
          Update: {
            TableName: this.tableName,
            Key: keyKey(device.id, challenge.keyId),
            UpdateExpression: 'SET used_at = :now REMOVE #ttl',
            ConditionExpression: 'attribute_exists(PK)',
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':now': at },
          },
        },
        {
          Update: {
            TableName: this.tableName,
            Key: counterKey(device.personId),
            UpdateExpression: 'SET active_count = if_not_exists(active_count, :zero) + :one',
            ConditionExpression: 'attribute_not_exists(active_count) OR active_count < :max',
            ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':max': MAX_ACTIVE_DEVICES },
          },
        },
        outboxPut(this.tableName, event, now),
      ],
    });
    if (!failed) return 'ok';
    if (failed.includes(0)) return 'used';
    if (failed.includes(1) || failed.includes(2)) return 'device_gone';
    return 'too_many_devices';
  }

  /**
   * Completes a device signing in one transaction: the challenge is consumed (exactly once) and the key's `used_at`
   * set, provided the device is still active and the key still signs for its purpose.
   */
  async completeDeviceChallenge(
    challenge: DeviceChallengeRecord,
    now: Date,
    maxAttempts: number,
  ): Promise<'ok' | 'used' | 'device_gone'> {
    const failed = await transact(this.db, {
      TransactItems: [
        this.consumeChallenge(challenge, now, maxAttempts),
        {
          Update: {
            TableName: this.tableName,
            Key: keyKey(challenge.deviceId, challenge.keyId),
            UpdateExpression: 'SET used_at = :now',
            ConditionExpression: 'attribute_exists(PK)',
            ExpressionAttributeValues: { ':now': now.toISOString() },
          },
        },
        {
          ConditionCheck: {
            TableName: this.tableName,
            Key: deviceKey(challenge.deviceId),
            ConditionExpression: '#status = :active AND active_keys.#purpose = :key',
            ExpressionAttributeNames: { '#status': 'status', '#purpose': challenge.keyPurpose },
            ExpressionAttributeValues: { ':active': 'active', ':key': challenge.keyId },
          },
        },
      ],
    });
    if (!failed) return 'ok';
    return failed.includes(0) ? 'used' : 'device_gone';
  }

  /**
   * Soft-deletes a device: it keeps its record with `deleted_at`, loses its active keys (nothing can sign for it
   * again), moves to the DELETED# part of the person's index, and frees a place in the person's count if it was
   * bound. Answers false when the device changed meanwhile.
   */
  async deleteDevice(device: DeviceRecord, event: DomainEvent, now: Date): Promise<boolean> {
    const at = now.toISOString();
    const wasActive = device.status === 'active';
    const failed = await transact(this.db, {
      TransactItems: [
        {
          Update: {
            TableName: this.tableName,
            Key: deviceKey(device.id),
            UpdateExpression: wasActive
              ? 'SET #status = :deleted, deleted_at = :now, GSI1SK = :gsk REMOVE active_keys'
              : 'SET #status = :deleted, deleted_at = :now REMOVE active_keys',
            ConditionExpression: '#status = :was',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':deleted': 'deleted',
              ':now': at,
              ':was': device.status,
              ...(wasActive ? { ':gsk': `DELETED#${device.createdAt}#${device.id}` } : {}),
            },
          },
        },
        ...(wasActive
          ? [
              {
                Update: {
                  TableName: this.tableName,
                  Key: counterKey(device.personId),
                  UpdateExpression: 'SET active_count = active_count - :one',
                  ConditionExpression: 'active_count > :zero',
                  ExpressionAttributeValues: { ':one': 1, ':zero': 0 },
                },
              },
            ]
          : []),
        outboxPut(this.tableName, event, now),
      ],
    });
    return failed === undefined;
  }

  /**
   * Adds an active key to an active device in one transaction: the key is stored, the device's slot for its purpose
   * (which must be free) points at it, the signing key (which must still sign for its purpose) gets `used_at`, and
   * DEVICE_KEY_ADDED is written. Answers false when any of that no longer holds.
   */
  async addKey(key: KeyRecord, signer: KeyRecord, event: DomainEvent, now: Date): Promise<boolean> {
    const failed = await transact(this.db, {
      TransactItems: [
        {
          Put: {
            TableName: this.tableName,
            Item: keyItem(key),
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
        {
          Update: {
            TableName: this.tableName,
            Key: deviceKey(key.deviceId),
            UpdateExpression: 'SET active_keys.#new = :key',
            ConditionExpression:
              '#status = :active AND active_keys.#signer = :signer AND attribute_not_exists(active_keys.#new)',
            ExpressionAttributeNames: {
              '#status': 'status',
              '#new': key.keyPurpose,
              '#signer': signer.keyPurpose,
            },
            ExpressionAttributeValues: { ':active': 'active', ':key': key.keyId, ':signer': signer.keyId },
          },
        },
        {
          Update: {
            TableName: this.tableName,
            Key: keyKey(signer.deviceId, signer.keyId),
            UpdateExpression: 'SET used_at = :now',
            ConditionExpression: 'attribute_exists(PK)',
            ExpressionAttributeValues: { ':now': now.toISOString() },
          },
        },
        outboxPut(this.tableName, event, now),
      ],
    });
    return failed === undefined;
  }
}
