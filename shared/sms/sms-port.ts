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
