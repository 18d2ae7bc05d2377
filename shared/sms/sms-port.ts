import type { WindowUses } from '../quota/rolling-window.ts';
import type { TransactUpdate } from '../storage/dynamo.ts';
import type { Language, TemplateKey } from './templates.ts';

export interface SmsMessage {
  to: string;
  text: string;
  language: Language;
  templateKey: TemplateKey;
  /** The person the SMS is for (the outbox shows it locally; SNS is never told). */
  personId?: string;
}

/** Sends one SMS. Implemented by SNS when deployed and by an in-memory outbox locally. */
export interface SmsSender {
  send(message: SmsMessage): Promise<void>;
}

export interface DispatchRequest {
  to: string;
  /** The person the SMS is for: their own hourly SMS limit applies besides the number's. */
  personId: string;
  templateKey: TemplateKey;
  language: Language;
  variables: Record<string, string>;
  /** Appended as the SMS's own last line, e.g. an Android SMS Retriever app hash. */
  lastLine?: string | undefined;
  /** Runs after the quota is taken and before the SMS leaves, e.g. to store the OTP the SMS carries. */
  beforeSend?: () => Promise<void>;
}

/** What an SMS's two limits hold, as read: the person's uses and the number's. */
export interface SmsLimits {
  person: WindowUses;
  number: WindowUses;
}

/** A rendered SMS and the writes that charge it to the limits; send it once those writes have committed. */
export interface PreparedSms {
  message: SmsMessage;
  /** UpdateItem inputs (one per limit), to commit in the caller's transaction; none for the sandbox number. */
  writes: TransactUpdate[];
  /** Set once the fraud guard has admitted it (`admit`), so that a retry after a lost limit slot is not charged twice. */
  admitted?: boolean;
}

/**
 * Sending an SMS under the SMS limits, as the use cases see it (shared/sms/sms-dispatcher.ts): in one call, or
 * prepared from limits read with a use case's own items and sent once its transaction committed.
 */
export interface SmsDispatch {
  prepare(request: Omit<DispatchRequest, 'beforeSend'>, limits: SmsLimits): PreparedSms;
  send(prepared: PreparedSms): Promise<void>;
  dispatch(request: DispatchRequest): Promise<void>;
  /** A code sent to `number` was confirmed (the fraud guard counts the conversion; never throws). */
  confirmed(number: string): Promise<void>;
}
