import type { BudgetCharge, CheckState, PendingCode } from '../codes/one-time-code.ts';
import type { DomainEvent } from '../events/event.ts';
import type { MobileNumberRecord } from '../mobile-number/ports.ts';
import type { TxPart } from '../storage/dynamo.ts';

export interface RemovalState extends CheckState {
  number: MobileNumberRecord | undefined;
}

/** The end-user removal of a verified phone: its code, stored, read and answered. */
export interface PhoneRemovals {
  /** Stores a new removal code for the verified number; `number_changed` when it is gone or replaced. */
  saveCode(record: MobileNumberRecord, code: PendingCode, now: Date): Promise<'saved' | 'number_changed'>;
  load(personId: string): Promise<RemovalState>;
  commit(check: {
    number: MobileNumberRecord;
    code: PendingCode;
    answer: 'right' | 'wrong';
    charge: BudgetCharge;
    maxAttempts: number;
    now: Date;
    exhaustedEvent?: DomainEvent;
    event: DomainEvent;
    also?: TxPart[];
  }): Promise<'committed' | 'code_changed' | 'budget_taken' | 'number_changed'>;
}
