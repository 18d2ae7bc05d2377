import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type DomainEvent, outboxPut } from '../events/event.ts';
import { conflict } from '../http/errors.ts';
import {
  conditionally,
  type DocumentClient,
  readItem,
  type TransactUpdate,
  type TxPart,
  tx,
} from '../storage/dynamo.ts';
import { phoneSequenceBump } from './phone-sequence.ts';

export interface MobileNumberRecord {
  id: string;
  personId: string;
  number: string;
  verified: boolean;
  createdAt: string;
  updatedAt: string;
}

/** A pending OTP. Only the HMAC of the code is stored. */
export interface OtpRecord {
  otpId: string;
  /** The mobile number record the OTP was sent for: a deleted and re-created number never accepts an old OTP. */
  mobileNumberId: string;
  hash: string;
  expiresAtMs: number;
  attempts: number;
}

export const numberKey = (personId: string) => ({ PK: `PERSON#${personId}`, SK: 'MOBILE_NUMBER' });
export const otpKey = (personId: string) => ({ PK: `PERSON#${personId}`, SK: 'OTP#MOBILE_NUMBER' });

export function toRecord(item: Record<string, unknown>): MobileNumberRecord {
  return {
    id: item.id as string,
    personId: item.person_id as string,
    number: item.number as string,
    verified: item.verified as boolean,
    createdAt: item.created_at as string,
    updatedAt: item.updated_at as string,
  };
}

/** A fresh OTP item (no attempts yet; TTL an hour after expiry) at `key`: only the code's HMAC is stored. */
export function otpItem(
  key: Record<string, string>,
  entity: string,
  otp: Omit<OtpRecord, 'attempts'>,
  now: Date,
) {
  return {
    ...key,
    entity,
    otp_id: otp.otpId,
    mobile_number_id: otp.mobileNumberId,
    otp_hash: otp.hash,
    expires_at_ms: otp.expiresAtMs,
    attempts: 0,
    created_at: now.toISOString(),
    ttl: Math.ceil(otp.expiresAtMs / 1000) + 3600,
  };
}

/** An OTP item as the stores keep it (the mobile number OTP and the end-user removal code share the shape). */
export function toOtp(item: Record<string, unknown>): OtpRecord {
  return {
    otpId: item.otp_id as string,
    mobileNumberId: item.mobile_number_id as string,
    hash: item.otp_hash as string,
    expiresAtMs: item.expires_at_ms as number,
    attempts: item.attempts as number,
  };
}

/**
 * Charges one attempt to the OTP item at `key` before the code is compared, and returns the OTP to compare against.
 * Because the attempt is taken first and conditionally, no amount of parallel guessing gets more than `maxAttempts`
 * comparisons per OTP. Answers undefined when there is no usable OTP (none, expired or burnt).
 */
export async function chargeOtpAttempt(
  db: DocumentClient,
  tableName: string,
  key: Record<string, string>,
  now: Date,
  maxAttempts: number,
): Promise<OtpRecord | undefined> {
  const charged = await conditionally(() =>
    db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: key,
        UpdateExpression: 'SET attempts = attempts + :one',
        ConditionExpression: 'attribute_exists(PK) AND attempts < :max AND expires_at_ms > :now',
        ExpressionAttributeValues: { ':one': 1, ':max': maxAttempts, ':now': now.getTime() },
        ReturnValues: 'ALL_NEW',
      }),
    ),
  );
  return charged?.Attributes ? toOtp(charged.Attributes) : undefined;
}

export class MobileNumberStore {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
  ) {}

  async get(personId: string): Promise<MobileNumberRecord | undefined> {
    const item = await readItem(this.db, this.tableName, numberKey(personId));
    return item ? toRecord(item) : undefined;
  }

  /** Creates the person's number and its event together; a person already having a number is a 409. */
  async create(
    record: MobileNumberRecord,
    deviceData: string | undefined,
    event: DomainEvent,
  ): Promise<void> {
    const at = new Date(record.createdAt);
    const failed = await tx(this.db, this.tableName)
      .put(
        'number',
        {
          ...numberKey(record.personId),
          entity: 'mobile_number',
          id: record.id,
          person_id: record.personId,
          number: record.number,
          verified: record.verified,
          created_at: record.createdAt,
          updated_at: record.updatedAt,
          device_data: deviceData,
        },
        { ConditionExpression: 'attribute_not_exists(PK)' },
      )
      .add(outboxPut(this.tableName, event, at), phoneSequenceBump(this.tableName, record.personId, at))
      .commit();
    if (failed.has('number')) {
      throw conflict(
        'mobile_number_exists',
        'Mobile Number Exists',
        'The person already has a mobile number.',
      );
    }
  }

  /**
   * The transaction items that delete the number (only if it is still this record, in the expected verification
   * state), its pending OTP, and write the deletion event. The change-request flow runs them together with its own
   * state change.
   */
  deletionItems(record: MobileNumberRecord, event: DomainEvent, now: Date): TxPart[] {
    const table = this.tableName;
    const key = numberKey(record.personId);
    return [
      {
        name: 'number',
        item: {
          Delete: {
            TableName: table,
            Key: key,
            ConditionExpression: 'id = :id AND verified = :verified',
            ExpressionAttributeValues: { ':id': record.id, ':verified': record.verified },
          },
        },
      },
      { name: 'otp', item: { Delete: { TableName: table, Key: otpKey(record.personId) } } },
      outboxPut(table, event, now),
      phoneSequenceBump(table, record.personId, now),
    ];
  }

  /**
   * Deletes an unverified number, its pending OTP and writes the event, in one transaction. Answers false when the
   * number changed in between (deleted, re-created or verified), so nothing was deleted.
   */
  async deleteUnverified(record: MobileNumberRecord, event: DomainEvent, now: Date): Promise<boolean> {
    if (record.verified) return false;
    const failed = await tx(this.db, this.tableName)
      .add(...this.deletionItems(record, event, now))
      .commit();
    return !failed.has('number');
  }

  /**
   * Stores a new OTP for the number, replacing any previous one (its attempts start again at zero), together with
   * `limitWrites` (the SMS limits' slot claims) in one transaction. Answers `number_changed` when the number record
   * is gone or was replaced, `slot_taken` when a concurrent request took a limit slot (read again), else `saved`.
   */
  async saveOtp(
    record: MobileNumberRecord,
    otp: Omit<OtpRecord, 'attempts'>,
    deviceData: string | undefined,
    now: Date,
    limitWrites: TransactUpdate[] = [],
  ): Promise<'saved' | 'number_changed' | 'slot_taken'> {
    const failed = await tx(this.db, this.tableName)
      .check('number', numberKey(record.personId), {
        ConditionExpression: 'id = :id',
        ExpressionAttributeValues: { ':id': record.id },
      })
      .put('otp', {
        ...otpItem(otpKey(record.personId), 'mobile_number_otp', otp, now),
        device_data: deviceData,
      })
      .add(phoneSequenceBump(this.tableName, record.personId, now))
      .add(...limitWrites.map((update, index) => ({ name: `limit${index}`, item: { Update: update } })))
      .commit();
    if (failed.has('number')) return 'number_changed';
    if (failed.size > 0) return 'slot_taken';
    return 'saved';
  }

  /**
   * Charges one attempt to the pending OTP before the code is compared, and returns the OTP to compare against.
   * Because the attempt is taken first and conditionally, no amount of parallel guessing gets more than
   * `maxAttempts` comparisons per OTP. Answers undefined when there is no usable OTP (none, expired or burnt).
   */
  async takeOtpAttempt(personId: string, now: Date, maxAttempts: number): Promise<OtpRecord | undefined> {
    return chargeOtpAttempt(this.db, this.tableName, otpKey(personId), now, maxAttempts);
  }

  /**
   * Commits the outcome of one OTP check, read and compared before: a wrong code charges one attempt, the right code
   * consumes the OTP and marks the number verified. Either way `budgetWrite` (the person's code-check budget) is
   * charged in the same transaction, and the OTP must still be the one compared against, unexpired and not out of
   * attempts. So an outcome is only ever answered for a check that was charged: however many requests race, at
   * most `maxAttempts` wrong answers per OTP are told, and exactly one right answer verifies the number.
   * Answers `committed`, `otp_changed` (the OTP was consumed, burnt, replaced or expired meanwhile: the check counts
   * as failed), `number_changed`, or `slot_taken` (a concurrent check took the budget slot: read again).
   */
  async commitOtpCheck(input: {
    record: MobileNumberRecord;
    otp: OtpRecord;
    matches: boolean;
    budgetWrite: TransactUpdate;
    maxAttempts: number;
    deviceData: string | undefined;
    now: Date;
  }): Promise<'committed' | 'otp_changed' | 'number_changed' | 'slot_taken'> {
    const { record, otp, now } = input;
    const stillUsable = {
      ConditionExpression: 'otp_id = :otp AND attempts < :max AND expires_at_ms > :nowMs',
      ExpressionAttributeValues: { ':otp': otp.otpId, ':max': input.maxAttempts, ':nowMs': now.getTime() },
    };
    const commit = tx(this.db, this.tableName).update('budget', input.budgetWrite);
    if (input.matches) {
      commit
        .delete('otp', otpKey(record.personId), stillUsable)
        .update('number', {
          Key: numberKey(record.personId),
          UpdateExpression: 'SET verified = :true, updated_at = :now, verified_device_data = :dd',
          ConditionExpression: 'id = :id',
          ExpressionAttributeValues: {
            ':true': true,
            ':now': now.toISOString(),
            ':id': record.id,
            ':dd': input.deviceData ?? null,
          },
        })
        .add(phoneSequenceBump(this.tableName, record.personId, now));
    } else {
      commit.update('otp', {
        Key: otpKey(record.personId),
        UpdateExpression: 'SET attempts = attempts + :one',
        ...stillUsable,
        ExpressionAttributeValues: { ...stillUsable.ExpressionAttributeValues, ':one': 1 },
      });
    }
    const failed = await commit.commit();
    if (failed.has('otp')) return 'otp_changed';
    if (failed.has('number')) return 'number_changed';
    if (failed.has('budget')) return 'slot_taken';
    return 'committed';
  }
}
