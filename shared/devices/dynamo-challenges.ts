import { type Condition, DynamoAdapter, type ItemKey, recordReader, type TxPart } from '../storage/dynamo.ts';
import type { ChallengeRecord, DeviceChallengeRecord, SignatureChallengeRecord } from './device-records.ts';

/** Challenge items: CHALLENGE#<id>/CHALLENGE. They stay readable a day after they expire, then TTL removes them. */
const challengeKey = (challengeId: string): ItemKey => ({ PK: `CHALLENGE#${challengeId}`, SK: 'CHALLENGE' });
export const RETENTION_SECONDS = 24 * 3600;

const common = {
  id: true,
  deviceId: true,
  keyId: true,
  keyPurpose: true,
  personId: true,
  createdAt: true,
  expiresAtMs: true,
  attempts: true,
  consumedAt: true,
  publicKey: true,
} as const;
const toSignatureChallenge = recordReader<Omit<SignatureChallengeRecord, 'type'>>({
  ...common,
  sealedOtp: true,
  deviceName: true,
  deviceCreatedAt: true,
  sentTo: true,
});
const toDeviceChallenge = recordReader<Omit<DeviceChallengeRecord, 'type'>>({
  ...common,
  stringToSign: true,
  boundTo: true,
});

const toChallenge = (item: Record<string, unknown>): ChallengeRecord =>
  item.type === 'signature'
    ? { ...toSignatureChallenge(item), type: 'signature' }
    : { ...toDeviceChallenge(item), type: 'device' };

/** The challenge is still answerable: not used, not expired, attempts left (checked again at commit). */
const answerable = (
  maxAttempts: number,
  now: Date,
): Required<Omit<Condition, 'ExpressionAttributeNames'>> => ({
  ConditionExpression: 'attribute_not_exists(consumed_at) AND expires_at_ms > :nowMs AND attempts < :max',
  ExpressionAttributeValues: { ':nowMs': now.getTime(), ':max': maxAttempts },
});

export class DynamoChallenges extends DynamoAdapter {
  get(challengeId: string): Promise<ChallengeRecord | undefined> {
    return this.readRecord(challengeKey(challengeId), toChallenge);
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
            ...(challenge.sentTo !== undefined ? { sent_to: challenge.sentTo } : {}),
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
