import type { BudgetCharge } from '../codes/one-time-code.ts';
import { noCoolingOffAt } from '../cooling-off/dynamo-cooling-offs.ts';
import type { DeviceStore } from '../devices/device-store.ts';
import { type DomainEvent, outboxPut } from '../events/event.ts';
import {
  numberKey,
  verifiedNumberIn,
  verifiedNumberStill,
} from '../mobile-number/dynamo-mobile-number-store.ts';
import type { GuessBudget } from '../quota/guess-budget.ts';
import {
  type DocumentClient,
  type Item,
  type ItemKey,
  readItem,
  readItems,
  tx,
  type UpdateSpec,
} from '../storage/dynamo.ts';
import type { PaymentTerms } from './canonical.ts';
import type { PaymentAuthorizationRecord, PaymentAuthorizationStatus, PaymentMethod } from './model.ts';
import type { PaymentAuthorizations, TanCheckState } from './ports.ts';

export type { PaymentAuthorizationRecord, PaymentAuthorizationStatus, PaymentMethod } from './model.ts';
export type { TanCheckState } from './ports.ts';

const key = (id: string): ItemKey => ({ PK: `PAYMENT_AUTHORIZATION#${id}`, SK: 'PAYMENT_AUTHORIZATION' });
/** Authorizations and their receipts stay readable 30 days for the partner's records, then TTL removes them. */
const RETENTION_SECONDS = 30 * 24 * 3600;

function toRecord(item: Item): PaymentAuthorizationRecord {
  const payee: PaymentTerms['payee'] =
    item.payee_iban !== undefined
      ? { name: item.payee_name as string, iban: item.payee_iban as string }
      : { name: item.payee_name as string, account_reference: item.payee_account_reference as string };
  return {
    id: item.id as string,
    personId: item.person_id as string,
    method: item.method as PaymentMethod,
    amount: { value: item.amount_value as number, currency: item.currency as string },
    payee,
    ...(item.description !== undefined ? { description: item.description as string } : {}),
    digest: item.digest as string,
    status: item.status as PaymentAuthorizationStatus,
    createdAt: item.created_at as string,
    updatedAt: item.updated_at as string,
    expiresAtMs: item.expires_at_ms as number,
    attempts: (item.attempts as number | undefined) ?? 0,
    ...(item.otp_id !== undefined
      ? {
          otpId: item.otp_id as string,
          otpHash: item.otp_hash as string,
          otpSentTo: item.otp_sent_to as string | undefined,
        }
      : {}),
    ...(item.device_id !== undefined
      ? {
          deviceId: item.device_id as string,
          keyId: item.key_id as string,
          keyPurpose: item.key_purpose as 'unrestricted' | 'restricted',
          publicKey: item.public_key as string,
        }
      : {}),
    ...(item.receipt !== undefined ? { receipt: item.receipt as string } : {}),
    ...(item.failure_reason !== undefined
      ? { failureReason: item.failure_reason as 'attempts_exhausted' | 'expired' }
      : {}),
  };
}

/**
 * The payment authorization item (PAYMENT_AUTHORIZATION#<id>): one item holds the terms, the TAN's HMAC or the
 * device challenge, the attempts and, once completed, the receipt. Every change is conditional on the state it was
 * read in, so of concurrent confirmations exactly one completes it.
 */
export class PaymentAuthorizationStore implements PaymentAuthorizations {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
    private readonly budget: GuessBudget,
    private readonly devices?: DeviceStore,
  ) {}

  async get(id: string): Promise<PaymentAuthorizationRecord | undefined> {
    const item = await readItem(this.db, this.tableName, key(id));
    return item ? toRecord(item) : undefined;
  }

  /** The authorization and the person's code-check budget, in one read. */
  async loadTanCheck(id: string, personId: string): Promise<TanCheckState> {
    const [item, budgetItem, numberItem] = await readItems(this.db, this.tableName, [
      key(id),
      this.budget.key(personId),
      numberKey(personId),
    ]);
    const authorization = item ? toRecord(item) : undefined;
    return {
      authorization,
      code: authorization?.otpId
        ? {
            id: authorization.otpId,
            boundTo: authorization.id,
            secret: authorization.otpHash!,
            expiresAtMs: authorization.expiresAtMs,
            attempts: authorization.attempts,
            sentTo: authorization.otpSentTo,
            ...(authorization.status === 'CONFIRMATION_REQUIRED' ? {} : { used: true }),
          }
        : undefined,
      budget: this.budget.usesIn(budgetItem),
      verifiedNumber: verifiedNumberIn(numberItem),
      ...(authorization ? { boundTo: authorization.id } : {}),
    };
  }

  /**
   * Stores a new authorization with its CREATED event. For device signing the device must still be active with the
   * key the challenge names (a ConditionCheck in the same transaction); answers false when it no longer is.
   */
  async create(
    record: PaymentAuthorizationRecord,
    event: DomainEvent,
    now: Date,
    options: { outsideCoolingOff?: boolean } = {},
  ): Promise<boolean | 'cooling_off'> {
    const commit = tx(this.db, this.tableName).put('authorization', this.itemOf(record), {
      ConditionExpression: 'attribute_not_exists(PK)',
    });
    if (options.outsideCoolingOff) commit.add(noCoolingOffAt(this.tableName, record.personId, now));
    if (record.method === 'device_signing') {
      commit.add(
        this.devices!.devices.stillExpected(record.deviceId!, {
          state: 'active_with_key',
          keyPurpose: record.keyPurpose!,
          keyId: record.keyId!,
        }),
      );
    }
    const failed = await commit.add(outboxPut(this.tableName, event, now)).commit();
    if (failed.has('authorization')) throw new Error('a fresh payment authorization id is already in use');
    if (failed.has('cooling_off')) return 'cooling_off';
    return failed.size === 0;
  }

  /**
   * Commits a compared TAN with its budget unit, in one transaction: a wrong TAN charges one attempt (the third
   * fails the authorization, with its FAILED event); the right one completes it with its receipt and CONFIRMED
   * event. Both only while the authorization still awaits this TAN with attempts left and time to run. Answers
   * `code_changed` when it no longer does, `budget_taken` when a concurrent check took the budget slot.
   */
  async commitTan(check: {
    authorization: PaymentAuthorizationRecord;
    answer: 'right' | 'wrong';
    charge: BudgetCharge;
    maxAttempts: number;
    completion?: { receipt: string; event: DomainEvent };
    failure?: DomainEvent;
    /** The verified number record the TAN went to, which must still be the person's for it to complete. */
    verifiedNumber: string;
    now: Date;
  }): Promise<'committed' | 'code_changed' | 'budget_taken' | 'factor_gone'> {
    const { authorization } = check;
    const commit = tx(this.db, this.tableName).add(this.budget.charge(authorization.personId, check.charge));
    this.addOutcome(commit, authorization, check);
    if (check.completion) {
      commit.add(...verifiedNumberStill(this.tableName, authorization.personId, check.verifiedNumber));
    }
    const failed = await commit.commit({ cancelledAs: 'budget' });
    if (failed.has('authorization')) return 'code_changed';
    if (failed.has('number')) return 'factor_gone';
    if (failed.has('budget')) return 'budget_taken';
    if (failed.size > 0) throw new Error(`unexpected condition failure: ${[...failed].join(', ')}`);
    return 'committed';
  }

  /**
   * Commits a checked device signature: a wrong one charges an attempt (the third fails the authorization); the right
   * one completes it, marks the key used and checks the device is still active with that key, in one transaction.
   * Answers `committed`, `changed` (another confirmation won, it closed) or `device_gone`.
   */
  async commitSignature(check: {
    authorization: PaymentAuthorizationRecord;
    answer: 'right' | 'wrong';
    maxAttempts: number;
    completion?: { receipt: string; event: DomainEvent };
    failure?: DomainEvent;
    now: Date;
  }): Promise<'committed' | 'changed' | 'device_gone'> {
    const { authorization, now } = check;
    const commit = tx(this.db, this.tableName);
    this.addOutcome(commit, authorization, check);
    if (check.answer === 'right') {
      commit.add(
        this.devices!.keys.markUsed(authorization.deviceId!, authorization.keyId!, now),
        this.devices!.devices.stillExpected(authorization.deviceId!, {
          state: 'active_with_key',
          keyPurpose: authorization.keyPurpose!,
          keyId: authorization.keyId!,
        }),
      );
    }
    const failed = await commit.commit({ cancelledAs: 'authorization' });
    if (failed.has('authorization')) return 'changed';
    if (failed.size > 0) return 'device_gone';
    return 'committed';
  }

  /**
   * Closes an open authorization that ran out of time or attempts, with its FAILED event; a no-op when it already
   * left CONFIRMATION_REQUIRED (a concurrent reader closed it first, say).
   */
  async close(
    authorization: PaymentAuthorizationRecord,
    status: 'FAILED' | 'EXPIRED',
    reason: 'attempts_exhausted' | 'expired',
    event: DomainEvent,
    now: Date,
  ): Promise<void> {
    await tx(this.db, this.tableName)
      .update('authorization', {
        Key: key(authorization.id),
        UpdateExpression: 'SET #status = :status, updated_at = :updated, failure_reason = :reason',
        ConditionExpression: '#status = :open',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': status,
          ':updated': now.toISOString(),
          ':reason': reason,
          ':open': 'CONFIRMATION_REQUIRED',
        },
      })
      .add(outboxPut(this.tableName, event, now))
      .commit();
  }

  private addOutcome(
    commit: ReturnType<typeof tx>,
    authorization: PaymentAuthorizationRecord,
    check: {
      answer: 'right' | 'wrong';
      maxAttempts: number;
      completion?: { receipt: string; event: DomainEvent };
      failure?: DomainEvent;
      now: Date;
    },
  ) {
    const { now } = check;
    if (check.answer === 'right' && check.completion) {
      commit
        .update(
          'authorization',
          this.completion(authorization, check.completion.receipt, check.maxAttempts, now),
        )
        .add(outboxPut(this.tableName, check.completion.event, now));
    } else {
      commit.update(
        'authorization',
        this.attemptCharge(authorization, check.maxAttempts, now, check.failure),
      );
      if (check.failure) commit.add(outboxPut(this.tableName, check.failure, now));
    }
  }

  /** Open, unexpired, attempts left, and still the TAN or challenge it was read with. */
  private awaiting(record: PaymentAuthorizationRecord, maxAttempts: number, now: Date) {
    const proof = record.otpId
      ? { expression: 'otp_id = :proof', value: record.otpId }
      : { expression: 'key_id = :proof', value: record.keyId };
    return {
      ConditionExpression: `#status = :open AND expires_at_ms > :nowMs AND attempts < :max AND ${proof.expression}`,
      ExpressionAttributeNames: { '#status': 'status' } as Record<string, string>,
      ExpressionAttributeValues: {
        ':open': 'CONFIRMATION_REQUIRED',
        ':nowMs': now.getTime(),
        ':max': maxAttempts,
        ':proof': proof.value,
      } as Record<string, unknown>,
    };
  }

  /**
   * One more wrong answer. The answer that spends the last attempt (as read) also fails the authorization; it is
   * conditioned on the attempts it read, so of concurrent wrong answers exactly one writes FAILED with its event.
   */
  private attemptCharge(
    record: PaymentAuthorizationRecord,
    maxAttempts: number,
    now: Date,
    failure: DomainEvent | undefined,
  ): UpdateSpec {
    const awaiting = this.awaiting(record, maxAttempts, now);
    const values = { ...awaiting.ExpressionAttributeValues, ':one': 1, ':updated': now.toISOString() };
    if (!failure) {
      return {
        Key: key(record.id),
        UpdateExpression: 'SET attempts = attempts + :one, updated_at = :updated',
        ...awaiting,
        ExpressionAttributeValues: values,
      };
    }
    return {
      Key: key(record.id),
      UpdateExpression:
        'SET attempts = attempts + :one, updated_at = :updated, #status = :failed, failure_reason = :reason',
      ConditionExpression: `${awaiting.ConditionExpression} AND attempts = :read`,
      ExpressionAttributeNames: awaiting.ExpressionAttributeNames,
      ExpressionAttributeValues: {
        ...values,
        ':failed': 'FAILED',
        ':reason': 'attempts_exhausted',
        ':read': record.attempts,
      },
    };
  }

  private completion(
    record: PaymentAuthorizationRecord,
    receipt: string,
    maxAttempts: number,
    now: Date,
  ): UpdateSpec {
    const awaiting = this.awaiting(record, maxAttempts, now);
    return {
      Key: key(record.id),
      UpdateExpression: 'SET #status = :completed, updated_at = :updated, receipt = :receipt',
      ...awaiting,
      ExpressionAttributeValues: {
        ...awaiting.ExpressionAttributeValues,
        ':completed': 'COMPLETED',
        ':updated': now.toISOString(),
        ':receipt': receipt,
      },
    };
  }

  private itemOf(record: PaymentAuthorizationRecord): Item {
    return {
      ...key(record.id),
      entity: 'payment_authorization',
      id: record.id,
      person_id: record.personId,
      method: record.method,
      amount_value: record.amount.value,
      currency: record.amount.currency,
      payee_name: record.payee.name,
      ...('iban' in record.payee
        ? { payee_iban: record.payee.iban }
        : { payee_account_reference: record.payee.account_reference }),
      ...(record.description !== undefined ? { description: record.description } : {}),
      digest: record.digest,
      status: record.status,
      created_at: record.createdAt,
      updated_at: record.updatedAt,
      expires_at_ms: record.expiresAtMs,
      attempts: 0,
      ...(record.otpId !== undefined ? { otp_id: record.otpId, otp_hash: record.otpHash } : {}),
      ...(record.otpSentTo !== undefined ? { otp_sent_to: record.otpSentTo } : {}),
      ...(record.deviceId !== undefined
        ? {
            device_id: record.deviceId,
            key_id: record.keyId,
            key_purpose: record.keyPurpose,
            public_key: record.publicKey,
          }
        : {}),
      ttl: Math.floor(record.expiresAtMs / 1000) + RETENTION_SECONDS,
    };
  }
}
