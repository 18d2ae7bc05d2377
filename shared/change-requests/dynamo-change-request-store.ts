import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BudgetCharge } from '../codes/one-time-code.ts';
import { type DomainEvent, outboxPut } from '../events/event.ts';
import {
  numberKey,
  verifiedNumberIn,
  verifiedNumberStill,
} from '../mobile-number/dynamo-mobile-number-store.ts';
import type { GuessBudget } from '../quota/guess-budget.ts';
import type { ChangeRequestRecord, ChangeRequestStatus, DeliveryMethod } from './model.ts';
import type { ChangeRequests, TanCheckState } from './ports.ts';

export type { ChangeRequestRecord, ChangeRequestStatus, DeliveryMethod } from './model.ts';
export type { TanCheckState } from './ports.ts';

import {
  conditionally,
  type DocumentClient,
  type Item,
  readItem,
  readItems,
  type TxPart,
  tx,
  type UpdateSpec,
} from '../storage/dynamo.ts';

const key = (id: string) => ({ PK: `CHANGE_REQUEST#${id}`, SK: 'CHANGE_REQUEST' });
/** Change requests are kept 30 days for the audit trail, then TTL removes them. */
const RETENTION_SECONDS = 30 * 24 * 3600;

/** The request's TAN as a pending code: bound to the request, living as long as it, charged on the request. */
export const tanOf = (record: ChangeRequestRecord) =>
  record.otpId && record.status === 'CONFIRMATION_REQUIRED'
    ? {
        id: record.otpId,
        boundTo: record.id,
        secret: record.otpHash!,
        expiresAtMs: record.expiresAtMs,
        attempts: record.attempts,
        sentTo: record.otpSentTo,
      }
    : undefined;

function toRecord(item: Item): ChangeRequestRecord {
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
    ...(item.otp_id
      ? {
          otpId: item.otp_id as string,
          otpHash: item.otp_hash as string,
          otpSentTo: item.otp_sent_to as string | undefined,
        }
      : {}),
    ...(item.challenge_id
      ? { challengeId: item.challenge_id as string, deviceId: item.device_id as string }
      : {}),
    ...(item.response_code !== undefined
      ? { responseCode: item.response_code as number, responseBody: JSON.parse(item.response_body as string) }
      : {}),
  };
}

export class ChangeRequestStore implements ChangeRequests {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
    private readonly budget: GuessBudget,
  ) {}

  /** The request and the person's code-check budget, in one read. */
  async loadTanCheck(id: string, personId: string): Promise<TanCheckState> {
    const [item, budgetItem, numberItem] = await readItems(this.db, this.tableName, [
      key(id),
      this.budget.key(personId),
      numberKey(personId),
    ]);
    const request = item ? toRecord(item) : undefined;
    return {
      request,
      code: request ? tanOf(request) : undefined,
      budget: this.budget.usesIn(budgetItem),
      verifiedNumber: verifiedNumberIn(numberItem),
      ...(request ? { boundTo: request.id } : {}),
    };
  }

  /**
   * Commits a compared TAN with its budget unit, in one transaction: a wrong TAN charges one attempt on the request;
   * the right one completes it together with the guarded action's writes. Both only while the request still awaits
   * this TAN (open, unexpired, attempts left). Answers `code_changed` when it no longer does (another confirmation
   * won, a new TAN replaced it, it closed), `action_failed` when the action's own conditions failed, `budget_taken`.
   */
  async commitTan(check: {
    request: ChangeRequestRecord;
    answer: 'right' | 'wrong';
    charge: BudgetCharge;
    maxAttempts: number;
    action?: { items: TxPart[]; response: { code: number; body: unknown } };
    /** The verified number record the TAN went to, which must still be the person's for it to complete. */
    verifiedNumber: string;
    now: Date;
  }): Promise<'committed' | 'code_changed' | 'action_failed' | 'budget_taken' | 'factor_gone'> {
    const { request, now } = check;
    const commit = tx(this.db, this.tableName).add(this.budget.charge(request.personId, check.charge));
    if (check.answer === 'right' && check.action) {
      commit
        .update('request', this.completion(request, check.action.response, now))
        .add(
          ...check.action.items,
          ...verifiedNumberStill(this.tableName, request.personId, check.verifiedNumber, check.action.items),
        );
    } else {
      commit.update('request', this.attemptCharge(request, check.maxAttempts, now));
    }
    const failed = await commit.commit({ cancelledAs: 'budget' });
    if (failed.has('request')) return 'code_changed';
    if (failed.has('number') && check.action?.items.every((part) => part.name !== 'number')) {
      return 'factor_gone';
    }
    if (failed.has('budget')) return 'budget_taken';
    if (failed.size > 0) return 'action_failed';
    return 'committed';
  }

  /**
   * Charges one wrong device signature to the request, while it still awaits that device challenge with attempts
   * left. Answers false when it no longer does.
   */
  async chargeWrongSignature(request: ChangeRequestRecord, maxAttempts: number, now: Date): Promise<boolean> {
    const failed = await tx(this.db, this.tableName)
      .update('request', this.attemptCharge(request, maxAttempts, now))
      .commit();
    return failed.size === 0;
  }

  async get(id: string): Promise<ChangeRequestRecord | undefined> {
    const item = await readItem(this.db, this.tableName, key(id));
    return item ? toRecord(item) : undefined;
  }

  /** Stores a new request (its id is fresh: never an overwrite) with its CHANGE_REQUEST_OPENED event. */
  async create(record: ChangeRequestRecord, event: DomainEvent): Promise<void> {
    const failed = await tx(this.db, this.tableName)
      .put(
        'request',
        {
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
        { ConditionExpression: 'attribute_not_exists(PK)' },
      )
      .add(outboxPut(this.tableName, event, new Date(record.createdAt)))
      .commit();
    if (failed.size > 0) throw new Error(`fresh change request id already in use: ${record.id}`);
  }

  /** The outbox item of the request's completion event, committed with the completion and the guarded action. */
  completionEventItem(event: DomainEvent, now: Date): TxPart {
    return { ...outboxPut(this.tableName, event, now), name: 'request_event' };
  }

  /**
   * Records how the request will be confirmed (a new TAN or device challenge replaces an earlier one, and the
   * attempts start again). Only while the request is open and not expired; answers false otherwise.
   */
  async setAuthorization(
    id: string,
    authorization:
      | { method: 'mobile_number'; otpId: string; otpHash: string; sentTo: string }
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
      set += ', otp_id = :otp, otp_hash = :hash, otp_sent_to = :sentTo';
      values[':otp'] = authorization.otpId;
      values[':hash'] = authorization.otpHash;
      values[':sentTo'] = authorization.sentTo;
      remove = ' REMOVE challenge_id, device_id';
    } else {
      set += ', challenge_id = :challenge, device_id = :device';
      values[':challenge'] = authorization.challengeId;
      values[':device'] = authorization.deviceId;
      remove = ' REMOVE otp_id, otp_hash, otp_sent_to';
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
    const failed = await tx(this.db, this.tableName)
      .update('request', this.completion(record, response, now))
      .add(...actionItems)
      // A cancellation that outlasted the conflict retries means another confirmation is committing.
      .commit({ cancelledAs: 'request' });
    if (failed.has('request')) return 'conflict';
    if (failed.size > 0) return 'action_failed';
    return 'completed';
  }

  /** The request still awaits the proof it was read with: open, unexpired, the same TAN or challenge. */
  private awaiting(record: ChangeRequestRecord, now: Date) {
    const proof = record.otpId
      ? { expression: 'otp_id = :proof', value: record.otpId }
      : { expression: 'challenge_id = :proof', value: record.challengeId };
    return {
      ConditionExpression: `#status = :confirm AND expires_at_ms > :nowMs AND ${proof.expression}`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':confirm': 'CONFIRMATION_REQUIRED',
        ':proof': proof.value,
        ':nowMs': now.getTime(),
      } as Record<string, unknown>,
    };
  }

  private attemptCharge(record: ChangeRequestRecord, maxAttempts: number, now: Date): UpdateSpec {
    const awaiting = this.awaiting(record, now);
    return {
      Key: key(record.id),
      UpdateExpression: 'SET attempts = attempts + :one',
      ConditionExpression: `${awaiting.ConditionExpression} AND attempts < :max`,
      ExpressionAttributeNames: awaiting.ExpressionAttributeNames,
      ExpressionAttributeValues: { ...awaiting.ExpressionAttributeValues, ':one': 1, ':max': maxAttempts },
    };
  }

  private completion(
    record: ChangeRequestRecord,
    response: { code: number; body: unknown },
    now: Date,
  ): UpdateSpec {
    const awaiting = this.awaiting(record, now);
    return {
      Key: key(record.id),
      UpdateExpression:
        'SET #status = :completed, updated_at = :updated, response_code = :code, response_body = :body',
      ...awaiting,
      ExpressionAttributeValues: {
        ...awaiting.ExpressionAttributeValues,
        ':completed': 'COMPLETED',
        ':updated': now.toISOString(),
        ':code': response.code,
        ':body': JSON.stringify(response.body),
      },
    };
  }
}
