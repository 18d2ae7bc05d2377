import type { BudgetCharge, CheckState } from '../codes/one-time-code.ts';
import type { DomainEvent } from '../events/event.ts';
import type { PaymentAuthorizationRecord } from './model.ts';

/** What a TAN confirmation reads: the authorization (whose TAN is the pending code) and the person's budget. */
export interface TanCheckState extends CheckState {
  authorization: PaymentAuthorizationRecord | undefined;
}

/** What completes or fails an authorization besides the charge: its receipt and events. */
interface Outcome {
  authorization: PaymentAuthorizationRecord;
  answer: 'right' | 'wrong';
  maxAttempts: number;
  completion?: { receipt: string; event: DomainEvent };
  failure?: DomainEvent;
  now: Date;
}

/** Payment authorizations: opened with a TAN or a device challenge, confirmed once, closed when they lapse. */
export interface PaymentAuthorizations {
  get(id: string): Promise<PaymentAuthorizationRecord | undefined>;
  /**
   * Stores a new authorization with its event: false when the device it names is no longer active with its key,
   * `cooling_off` when asked to hold outside a cooling-off window and one lasts.
   */
  create(
    record: PaymentAuthorizationRecord,
    event: DomainEvent,
    now: Date,
    options?: { outsideCoolingOff?: boolean },
  ): Promise<boolean | 'cooling_off'>;
  /** The authorization, the person's code-check budget and verified number, in one read. */
  loadTanCheck(id: string, personId: string): Promise<TanCheckState>;
  commitTan(
    check: Outcome & { charge: BudgetCharge; verifiedNumber: string },
  ): Promise<'committed' | 'code_changed' | 'budget_taken' | 'factor_gone'>;
  commitSignature(check: Outcome): Promise<'committed' | 'changed' | 'device_gone'>;
  close(
    authorization: PaymentAuthorizationRecord,
    status: 'FAILED' | 'EXPIRED',
    reason: 'attempts_exhausted' | 'expired',
    event: DomainEvent,
    now: Date,
  ): Promise<void>;
}
