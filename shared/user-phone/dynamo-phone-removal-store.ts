import type { BudgetCharge, CheckState, PendingCode } from '../codes/one-time-code.ts';
import { type DomainEvent, outboxPut } from '../events/event.ts';
import {
  chargeAttempt,
  codeItem,
  numberKey,
  otpKey,
  stillUsable,
  toCode,
  toRecord,
} from '../mobile-number/dynamo-mobile-number-store.ts';
import { phoneSequenceBump } from '../mobile-number/dynamo-phone-sequence.ts';
import type { MobileNumberRecord } from '../mobile-number/ports.ts';
import type { GuessBudget } from '../quota/guess-budget.ts';
import { type DocumentClient, readItems, tx } from '../storage/dynamo.ts';

/**
 * The pending "confirm removal" code for a person's verified phone (end-user API). It is its own item, apart from the
 * verification OTP, and its HMAC is taken in its own scope, so a verification code can never remove a phone and a
 * removal code can never verify one. Only the HMAC is stored.
 */
const removalKey = (personId: string) => ({ PK: `PERSON#${personId}`, SK: 'OTP#PHONE_REMOVAL' });

export interface RemovalState extends CheckState {
  number: MobileNumberRecord | undefined;
}

export class PhoneRemovalStore {
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
  async load(personId: string): Promise<RemovalState> {
    const [numberItem, codeItemRead, budgetItem] = await readItems(this.db, this.tableName, [
      numberKey(personId),
      removalKey(personId),
      this.budget.key(personId),
    ]);
    const number = numberItem ? toRecord(numberItem) : undefined;
    return {
      number,
      code: codeItemRead ? toCode(codeItemRead) : undefined,
      budget: this.budget.usesIn(budgetItem),
      ...(number ? { boundTo: number.id } : {}),
    };
  }

  /**
   * Commits a compared removal code with its budget unit: a wrong one charges an attempt; the right one uses the code
   * and removes the number with its pending verification OTP and the DELETED event, in one transaction, so of
   * concurrent removals with the right code exactly one succeeds.
   */
  async commit(check: {
    number: MobileNumberRecord;
    code: PendingCode;
    answer: 'right' | 'wrong';
    charge: BudgetCharge;
    maxAttempts: number;
    event: DomainEvent;
    now: Date;
  }): Promise<'committed' | 'code_changed' | 'number_changed' | 'budget_taken'> {
    const { number, code, now } = check;
    const key = removalKey(number.personId);
    const commit = tx(this.db, this.tableName).add(this.budget.charge(number.personId, check.charge));
    if (check.answer === 'right') {
      commit
        .delete('code', key, stillUsable(code, check.maxAttempts, now))
        .delete('number', numberKey(number.personId), {
          ConditionExpression: 'id = :id',
          ExpressionAttributeValues: { ':id': number.id },
        })
        .delete('otp', otpKey(number.personId))
        .add(
          outboxPut(this.tableName, check.event, now),
          phoneSequenceBump(this.tableName, number.personId, now),
        );
    } else {
      commit.add(chargeAttempt(this.tableName, key, code, check.maxAttempts, now));
    }
    const failed = await commit.commit({ cancelledAs: 'budget' });
    if (failed.has('code')) return 'code_changed';
    if (failed.has('number')) return 'number_changed';
    if (failed.has('budget')) return 'budget_taken';
    return 'committed';
  }
}
