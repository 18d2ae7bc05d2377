import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { conditionally, type DocumentClient, readItem, type TxPart, tx } from '../storage/dynamo.ts';

export type ChangeRequestStatus =
  | 'AUTHORIZATION_REQUIRED'
  | 'CONFIRMATION_REQUIRED'
  | 'COMPLETED'
  | 'FAILED'
  | 'EXPIRED';

export type DeliveryMethod = 'mobile_number' | 'device_signing';

export interface ChangeRequestRecord {
  id: string;
  personId: string;
  /** The guarded action's name, e.g. `mobile_number.delete`. */
  action: string;
  /** The action's parameters, as its registry entry validates them. */
  params: Record<string, unknown>;
  status: ChangeRequestStatus;
  createdAt: string;
  updatedAt: string;
  expiresAtMs: number;
  deliveryMethod?: DeliveryMethod;
  /** SMS TAN: the HMAC of the code and the id it was hashed with. */
  otpId?: string;
  otpHash?: string;
  /** Device signing: the challenge and device the confirmation must come from. */
  challengeId?: string;
  deviceId?: string;
  attempts: number;
  responseCode?: number;
  responseBody?: unknown;
}

const key = (id: string) => ({ PK: `CHANGE_REQUEST#${id}`, SK: 'CHANGE_REQUEST' });
/** Change requests are kept 30 days for the audit trail, then TTL removes them. */
const RETENTION_SECONDS = 30 * 24 * 3600;

function toRecord(item: Record<string, unknown>): ChangeRequestRecord {
  return {
    id: item.id as string,
    personId: item.person_id as string,
    action: item.action as string,
    params: JSON.parse(item.params as string),
    status: item.status as ChangeRequestStatus,
    createdAt: item.created_at as string,
    updatedAt: item.updated_at as string,
    expiresAtMs: item.expires_at_ms as number,
    attempts: (item.attempts as number | undefined) ?? 0,
    ...(item.delivery_method ? { deliveryMethod: item.delivery_method as DeliveryMethod } : {}),
    ...(item.otp_id ? { otpId: item.otp_id as string, otpHash: item.otp_hash as string } : {}),
    ...(item.challenge_id
      ? { challengeId: item.challenge_id as string, deviceId: item.device_id as string }
      : {}),
    ...(item.response_code !== undefined
      ? { responseCode: item.response_code as number, responseBody: JSON.parse(item.response_body as string) }
      : {}),
  };
}

export class ChangeRequestStore {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
  ) {}

  async get(id: string): Promise<ChangeRequestRecord | undefined> {
    const item = await readItem(this.db, this.tableName, key(id));
    return item ? toRecord(item) : undefined;
  }

  async create(record: ChangeRequestRecord): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...key(record.id),
          entity: 'change_request',
          id: record.id,
          person_id: record.personId,
          action: record.action,
          params: JSON.stringify(record.params),
          status: record.status,
          created_at: record.createdAt,
          updated_at: record.updatedAt,
          expires_at_ms: record.expiresAtMs,
          attempts: 0,
          ttl: Math.floor(record.expiresAtMs / 1000) + RETENTION_SECONDS,
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
  }

  /**
   * Records how the request will be confirmed (a new TAN or device challenge replaces an earlier one, and the
   * attempts start again). Only while the request is open and not expired; answers false otherwise.
   */
  async setAuthorization(
    id: string,
    authorization:
      | { method: 'mobile_number'; otpId: string; otpHash: string }
      | { method: 'device_signing'; challengeId: string; deviceId: string },
    now: Date,
  ): Promise<boolean> {
    const values: Record<string, unknown> = {
      ':confirm': 'CONFIRMATION_REQUIRED',
      ':authorize': 'AUTHORIZATION_REQUIRED',
      ':now': now.getTime(),
      ':updated': now.toISOString(),
      ':method': authorization.method,
      ':zero': 0,
    };
    let set = 'SET #status = :confirm, updated_at = :updated, delivery_method = :method, attempts = :zero';
    let remove: string;
    if (authorization.method === 'mobile_number') {
      set += ', otp_id = :otp, otp_hash = :hash';
      values[':otp'] = authorization.otpId;
      values[':hash'] = authorization.otpHash;
      remove = ' REMOVE challenge_id, device_id';
    } else {
      set += ', challenge_id = :challenge, device_id = :device';
      values[':challenge'] = authorization.challengeId;
      values[':device'] = authorization.deviceId;
      remove = ' REMOVE otp_id, otp_hash';
    }
    const updated = await conditionally(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(id),
          UpdateExpression: set + remove,
          ConditionExpression: '#status IN (:authorize, :confirm) AND expires_at_ms > :now',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: values,
        }),
      ),
    );
    return updated !== undefined;
  }

  /**
   * Charges one confirmation attempt before the TAN or signature is checked (so parallel guesses cannot exceed the
   * limit). Answers the request as it is after the charge, or undefined when it is not open, expired or out of tries.
   */
  async takeAttempt(id: string, now: Date, maxAttempts: number): Promise<ChangeRequestRecord | undefined> {
    const charged = await conditionally(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(id),
          UpdateExpression: 'SET attempts = attempts + :one',
          ConditionExpression: '#status = :confirm AND attempts < :max AND expires_at_ms > :now',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':one': 1,
            ':confirm': 'CONFIRMATION_REQUIRED',
            ':max': maxAttempts,
            ':now': now.getTime(),
          },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return charged?.Attributes ? toRecord(charged.Attributes) : undefined;
  }

  /** Moves an open request to a final state (FAILED or EXPIRED); a no-op when it already left the open states. */
  async close(id: string, status: 'FAILED' | 'EXPIRED', now: Date): Promise<void> {
    await conditionally(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(id),
          UpdateExpression: 'SET #status = :status, updated_at = :updated',
          ConditionExpression: '#status IN (:authorize, :confirm)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': status,
            ':updated': now.toISOString(),
            ':authorize': 'AUTHORIZATION_REQUIRED',
            ':confirm': 'CONFIRMATION_REQUIRED',
          },
        }),
      ),
    );
  }

  /**
   * Completes the request and runs the guarded action in ONE transaction: either the action happened and the
   * request says COMPLETED, or neither. The request must still await confirmation with the same TAN or challenge,
   * so of concurrent confirmations exactly one completes. Answers 'completed', 'conflict' (another confirmation won
   * or the request closed) or 'action_failed' (the action's own preconditions no longer hold).
   */
  async complete(
    record: ChangeRequestRecord,
    actionItems: TxPart[],
    response: { code: number; body: unknown },
    now: Date,
  ): Promise<'completed' | 'conflict' | 'action_failed'> {
    const proof = record.otpId
      ? { expression: 'otp_id = :proof', value: record.otpId }
      : { expression: 'challenge_id = :proof', value: record.challengeId };
    const failed = await tx(this.db, this.tableName)
      .update('request', {
        Key: key(record.id),
        UpdateExpression:
          'SET #status = :completed, updated_at = :updated, response_code = :code, response_body = :body',
        ConditionExpression: `#status = :confirm AND expires_at_ms > :nowMs AND ${proof.expression}`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':completed': 'COMPLETED',
          ':confirm': 'CONFIRMATION_REQUIRED',
          ':updated': now.toISOString(),
          ':code': response.code,
          ':body': JSON.stringify(response.body),
          ':proof': proof.value,
          ':nowMs': now.getTime(),
        },
      })
      .add(...actionItems)
      // A cancellation that outlasted the conflict retries means another confirmation is committing.
      .commit({ cancelledAs: 'request' });
    if (failed.has('request')) return 'conflict';
    if (failed.size > 0) return 'action_failed';
    return 'completed';
  }
}
