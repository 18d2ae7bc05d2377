import type { Language, TemplateKey } from './templates.ts';

export interface SmsMessage {
  to: string;
  text: string;
  language: Language;
  templateKey: TemplateKey;
}

/** Sends one SMS. Implemented by SNS when deployed and by an in-memory outbox locally. */
export interface SmsSender {
  send(message: SmsMessage): Promise<void>;
}
