import type { BudgetCharge, CheckState } from '../codes/one-time-code.ts';
import type { DomainEvent } from '../events/event.ts';
import type { TxPart } from '../storage/dynamo.ts';
import type { ChangeRequestRecord } from './model.ts';

/** What confirming with a TAN reads: the request (whose TAN is the pending code) and the person's budget. */
export interface TanCheckState extends CheckState {
  request: ChangeRequestRecord | undefined;
}

/** A TAN or device confirmation's completion, with the guarded action's writes and its answer. */
export interface ActionCompletion {
  items: TxPart[];
  response: { code: number; body: unknown };
}

/** The change requests: opened, authorized by SMS or device, confirmed with the guarded action, closed. */
export interface ChangeRequests {
  get(id: string): Promise<ChangeRequestRecord | undefined>;
  create(record: ChangeRequestRecord, event: DomainEvent): Promise<void>;
  /** The request, the person's code-check budget and verified number, in one read. */
  loadTanCheck(id: string, personId: string): Promise<TanCheckState>;
  /** A compared TAN's outcome with its budget unit (and, when right, the action), in one transaction. */
  commitTan(check: {
    request: ChangeRequestRecord;
    answer: 'right' | 'wrong';
    charge: BudgetCharge;
    maxAttempts: number;
    action?: ActionCompletion;
    /** The verified number record the TAN went to, which must still be the person's for it to complete. */
    verifiedNumber: string;
    now: Date;
  }): Promise<'committed' | 'code_changed' | 'action_failed' | 'budget_taken' | 'factor_gone'>;
  chargeWrongSignature(request: ChangeRequestRecord, maxAttempts: number, now: Date): Promise<boolean>;
  completionEventItem(event: DomainEvent, now: Date): TxPart;
  /** How the request will be confirmed; a new TAN or challenge replaces an earlier one. False once it closed. */
  setAuthorization(
    id: string,
    authorization:
      | { method: 'mobile_number'; otpId: string; otpHash: string; sentTo: string }
      | { method: 'device_signing'; challengeId: string; deviceId: string },
    now: Date,
  ): Promise<boolean>;
  close(id: string, status: 'FAILED' | 'EXPIRED', now: Date): Promise<void>;
  complete(
    record: ChangeRequestRecord,
    actionItems: TxPart[],
    response: { code: number; body: unknown },
    now: Date,
  ): Promise<'completed' | 'conflict' | 'action_failed'>;
}
