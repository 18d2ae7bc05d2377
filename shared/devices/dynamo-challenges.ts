import {
  type Condition,
  type DocumentClient,
  type ItemKey,
  readItem,
  type TxPart,
} from '../storage/dynamo.ts';
import type { ChallengeRecord, KeyPurpose } from './device-records.ts';

/** Challenge items: CHALLENGE#<id>/CHALLENGE. They stay readable a day after they expire, then TTL removes them. */
const challengeKey = (challengeId: string): ItemKey => ({ PK: `CHALLENGE#${challengeId}`, SK: 'CHALLENGE' });
export const RETENTION_SECONDS = 24 * 3600;

function toChallenge(item: Record<string, unknown>): ChallengeRecord {
  const base = {
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

/** The challenge is still answerable: not used, not expired, attempts left (checked again at commit). */
const answerable = (
  maxAttempts: number,
  now: Date,
): Required<Omit<Condition, 'ExpressionAttributeNames'>> => ({
  ConditionExpression: 'attribute_not_exists(consumed_at) AND expires_at_ms > :nowMs AND attempts < :max',
  ExpressionAttributeValues: { ':nowMs': now.getTime(), ':max': maxAttempts },
});

export class DynamoChallenges {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
  ) {}

  async get(challengeId: string): Promise<ChallengeRecord | undefined> {
    const item = await readItem(this.db, this.tableName, challengeKey(challengeId));
    return item ? toChallenge(item) : undefined;
  }

  put(challenge: ChallengeRecord): TxPart {
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
    const Item =
      challenge.type === 'signature'
        ? {
            ...common,
            sealed_otp: challenge.sealedOtp,
            device_name: challenge.deviceName,
            device_created_at: challenge.deviceCreatedAt,
          }
        : { ...common, string_to_sign: challenge.stringToSign, bound_to: challenge.boundTo };
    return {
      name: 'challenge',
      item: { Put: { TableName: this.tableName, Item, ConditionExpression: 'attribute_not_exists(PK)' } },
    };
  }

  /** One more wrong answer, while the challenge is answerable. */
  chargeAttempt(challengeId: string, now: Date, maxAttempts: number): TxPart {
    const condition = answerable(maxAttempts, now);
    return this.update(challengeId, {
      UpdateExpression: 'SET attempts = attempts + :one',
      ConditionExpression: condition.ConditionExpression,
      ExpressionAttributeValues: { ...condition.ExpressionAttributeValues, ':one': 1 },
    });
  }

  /** The right answer: the challenge is used up, exactly once. */
  consume(challengeId: string, now: Date, maxAttempts: number): TxPart {
    const condition = answerable(maxAttempts, now);
    return this.update(challengeId, {
      UpdateExpression: 'SET consumed_at = :now',
      ConditionExpression: condition.ConditionExpression,
      ExpressionAttributeValues: { ...condition.ExpressionAttributeValues, ':now': now.toISOString() },
    });
  }

  private update(challengeId: string, update: Condition & { UpdateExpression: string }): TxPart {
    return {
      name: 'challenge',
      item: { Update: { TableName: this.tableName, Key: challengeKey(challengeId), ...update } },
    };
  }
}
