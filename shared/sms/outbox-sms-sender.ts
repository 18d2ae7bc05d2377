import type { SmsMessage, SmsSender } from './sms-port.ts';

export interface OutboxEntry {
  to: string;
  text: string;
  language: string;
  template_key: string;
  created_at: string;
}

/** Local mode: keeps every SMS in memory, oldest first, for `GET /_local/sms`. */
export class OutboxSmsSender implements SmsSender {
  readonly entries: OutboxEntry[] = [];

  constructor(private readonly now: () => Date = () => new Date()) {}

  async send(message: SmsMessage): Promise<void> {
    this.entries.push({
      to: message.to,
      text: message.text,
      language: message.language,
      template_key: message.templateKey,
      created_at: this.now().toISOString(),
    });
  }
}
