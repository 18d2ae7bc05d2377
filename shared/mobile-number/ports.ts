import type { BudgetCharge, CheckState, PendingCode } from '../codes/one-time-code.ts';
import type { DomainEvent } from '../events/event.ts';
import type { PreparedSms, SmsLimits } from '../sms/sms-dispatcher.ts';
import type { Language } from '../sms/templates.ts';
import type { TxPart } from '../storage/dynamo.ts';

export interface MobileNumberRecord {
  id: string;
  personId: string;
  number: string;
  verified: boolean;
  createdAt: string;
  updatedAt: string;
}

/** The person's mobile number: read, create (409 when the person has one), delete while unverified. */
export interface MobileNumbers {
  get(personId: string): Promise<MobileNumberRecord | undefined>;
  create(record: MobileNumberRecord, deviceData: string | undefined, event: DomainEvent): Promise<void>;
  /** Deletes the number with its pending OTP and event, unless it changed meanwhile (deleted, replaced, verified). */
  deleteUnverified(
    record: MobileNumberRecord,
    event: DomainEvent,
    now: Date,
  ): Promise<'deleted' | 'number_changed'>;
}

/** What sending a new OTP reads, and what it commits before the SMS leaves. */
export interface OtpIssues {
  /** The number, the person's language and, when the caller named the number, both SMS limits: one read. */
  load(
    personId: string,
    number: string | undefined,
  ): Promise<{ number: MobileNumberRecord | undefined; language: Language; limits: SmsLimits | undefined }>;
  limits(number: string, personId: string): Promise<SmsLimits>;
  /**
   * Stores the code (replacing any pending one) bound to the number record, with the SMS's limit charges:
   * `number_changed` when the record is gone or replaced, `limit_taken` when a concurrent SMS took a limit slot.
   */
  save(issue: {
    number: MobileNumberRecord;
    code: PendingCode;
    sms: PreparedSms;
    deviceData: string | undefined;
    now: Date;
  }): Promise<'saved' | 'number_changed' | 'limit_taken'>;
}

/** The person's previous verified number, removed at `removedAt`, that a newly verified number replaces. */
export interface ReplacedNumber {
  number: string;
  removedAt: string;
  expiresAtMs: number;
}

export interface ConfirmState extends CheckState {
  number: MobileNumberRecord | undefined;
  /** Read by confirm only: the verified number removed last, while it still counts as replaceable. */
  replaced?: ReplacedNumber;
}

/** What confirming a number with its OTP reads (number, pending OTP, budget) and commits. */
export interface Confirmations {
  loadConfirmation(personId: string): Promise<ConfirmState>;
  /**
   * Commits a compared answer with its budget charge: a wrong one charges an attempt, the right one uses the code and
   * verifies the number. Conditioned on the code still being the one compared and usable.
   */
  commit(check: {
    number: MobileNumberRecord;
    code: PendingCode;
    answer: 'right' | 'wrong';
    charge: BudgetCharge;
    maxAttempts: number;
    deviceData: string | undefined;
    now: Date;
    verifiedEvent: DomainEvent;
    /** Written with the wrong answer that uses up the code's last attempt. */
    exhaustedEvent?: DomainEvent;
    /** Further writes of the success (a cooling-off window the verification starts). */
    also?: TxPart[];
  }): Promise<'committed' | 'code_changed' | 'number_changed' | 'budget_taken'>;
}

/** The mobile number port as a whole: read, create, delete, issue and confirm, and its deletion's writes. */
export interface MobileNumberPort extends MobileNumbers, OtpIssues, Confirmations {
  /** The writes that delete the number (and its pending OTP, with the deletion event), for another transaction. */
  deletionItems(record: MobileNumberRecord, event: DomainEvent, now: Date): TxPart[];
}

/** The counter behind the end-user API's `details.sequence`. */
export interface PhoneSequence {
  sequence: number;
  /** The person's first phone event. */
  createdAt: string;
  /** The person's latest phone event. */
  changedAt: string;
}

export interface PhoneSequences {
  get(personId: string): Promise<PhoneSequence | undefined>;
}
