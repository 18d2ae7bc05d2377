import type { PendingCode } from '../codes/one-time-code.ts';
import { type DomainEvent, outboxPut } from '../events/event.ts';
import {
  codeItem,
  commitNumberCodeCheck,
  type NumberCodeCheck,
  numberKey,
  otpKey,
  readNumberCodeCheck,
  replacedNumberPut,
} from '../mobile-number/dynamo-mobile-number-store.ts';
import { phoneSequenceBump } from '../mobile-number/dynamo-phone-sequence.ts';
import type { MobileNumberRecord } from '../mobile-number/ports.ts';
import type { GuessBudget } from '../quota/guess-budget.ts';
import { type DocumentClient, type TxPart, tx } from '../storage/dynamo.ts';
import type { PhoneRemovals, RemovalState } from './ports.ts';

/**
 * The pending "confirm removal" code for a person's verified phone (end-user API). It is its own item, apart from the
 * verification OTP, and its HMAC is taken in its own scope, so a verification code can never remove a phone and a
 * removal code can never verify one. Only the HMAC is stored.
 */
const removalKey = (personId: string) => ({ PK: `PERSON#${personId}`, SK: 'OTP#PHONE_REMOVAL' });

export type { RemovalState } from './ports.ts';

export class PhoneRemovalStore implements PhoneRemovals {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
    private readonly budget: GuessBudget,
  ) {}

  /**
   * Stores a new removal code for the verified number, replacing any previous one. Answers `number_changed` when the
   * number is gone, was replaced or is not verified (then there is nothing a code could protect).
   */
  async saveCode(
    record: MobileNumberRecord,
    code: PendingCode,
    now: Date,
  ): Promise<'saved' | 'number_changed'> {
    const failed = await tx(this.db, this.tableName)
      .check('number', numberKey(record.personId), {
        ConditionExpression: 'id = :id AND verified = :true',
        ExpressionAttributeValues: { ':id': record.id, ':true': true },
      })
      .put('code', codeItem(removalKey(record.personId), 'phone_removal_otp', code, now))
      .add(phoneSequenceBump(this.tableName, record.personId, now))
      .commit();
    return failed.has('number') ? 'number_changed' : 'saved';
  }

  /** The number, the removal code and the person's code-check budget, in one read. */
  load(personId: string): Promise<RemovalState> {
    return readNumberCodeCheck(this.db, this.tableName, this.budget, personId, removalKey(personId));
  }

  /**
   * Commits a compared removal code with its budget unit: a wrong one charges an attempt; the right one uses the code
   * and removes the number with its pending verification OTP and the DELETED event, in one transaction, so of
   * concurrent removals with the right code exactly one succeeds.
   */
  commit(check: NumberCodeCheck & { event: DomainEvent; also?: TxPart[] }) {
    const { number, now } = check;
    const key = removalKey(number.personId);
    return commitNumberCodeCheck(this.db, this.tableName, this.budget, key, check, (commit) =>
      commit
        .delete('number', numberKey(number.personId), {
          ConditionExpression: 'id = :id',
          ExpressionAttributeValues: { ':id': number.id },
        })
        .delete('otp', otpKey(number.personId))
        .add(
          outboxPut(this.tableName, check.event, now),
          phoneSequenceBump(this.tableName, number.personId, now),
          replacedNumberPut(this.tableName, number, now),
          ...(check.also ?? []),
        ),
    );
  }
}
