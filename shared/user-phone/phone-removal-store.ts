import { type DomainEvent, outboxPut } from '../events/event.ts';
import type { MobileNumberRecord, OtpRecord } from '../mobile-number/mobile-number-store.ts';
import { chargeOtpAttempt, numberKey, otpItem, otpKey } from '../mobile-number/mobile-number-store.ts';
import { phoneSequenceBump } from '../mobile-number/phone-sequence.ts';
import { type DocumentClient, tx } from '../storage/dynamo.ts';

/**
 * The pending "confirm removal" code for a person's verified phone (end-user API). It is its own item, apart from the
 * verification OTP, and its HMAC is taken in its own scope, so a verification code can never remove a phone and a
 * removal code can never verify one. Only the HMAC is stored.
 */
const removalKey = (personId: string) => ({ PK: `PERSON#${personId}`, SK: 'OTP#PHONE_REMOVAL' });

export class PhoneRemovalStore {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Stores a new removal code for the verified number, replacing any previous one. Answers false when the number is
   * gone, was replaced or is not verified (then there is nothing a code could protect).
   */
  async saveChallenge(
    record: MobileNumberRecord,
    otp: Omit<OtpRecord, 'attempts'>,
    now: Date,
  ): Promise<boolean> {
    const failed = await tx(this.db, this.tableName)
      .check('number', numberKey(record.personId), {
        ConditionExpression: 'id = :id AND verified = :true',
        ExpressionAttributeValues: { ':id': record.id, ':true': true },
      })
      .put('code', otpItem(removalKey(record.personId), 'phone_removal_otp', otp, now))
      .add(phoneSequenceBump(this.tableName, record.personId, now))
      .commit();
    return !failed.has('number');
  }

  /** Charges one attempt before the code is compared (see MobileNumberStore.takeOtpAttempt for why). */
  async takeAttempt(personId: string, now: Date, maxAttempts: number): Promise<OtpRecord | undefined> {
    return chargeOtpAttempt(this.db, this.tableName, removalKey(personId), now, maxAttempts);
  }

  /**
   * Consumes the removal code and removes the number with its pending verification OTP and the DELETED event, in one
   * transaction: of concurrent removals with the right code exactly one succeeds. Answers false when the code was
   * consumed meanwhile or the number changed.
   */
  async consumeAndRemove(
    record: MobileNumberRecord,
    otpId: string,
    event: DomainEvent,
    now: Date,
  ): Promise<boolean> {
    const failed = await tx(this.db, this.tableName)
      .delete('code', removalKey(record.personId), {
        ConditionExpression: 'otp_id = :otp AND mobile_number_id = :id',
        ExpressionAttributeValues: { ':otp': otpId, ':id': record.id },
      })
      .delete('number', numberKey(record.personId), {
        ConditionExpression: 'id = :id',
        ExpressionAttributeValues: { ':id': record.id },
      })
      .delete('otp', otpKey(record.personId))
      .add(outboxPut(this.tableName, event, now), phoneSequenceBump(this.tableName, record.personId, now))
      .commit({ cancelledAs: 'code' });
    return failed.size === 0;
  }
}
