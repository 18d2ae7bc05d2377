import type { SmsMessage, SmsSender } from './sms-port.ts';

export interface OutboxEntry {
  to: string;
  text: string;
  language: string;
  template_key: string;
  /** The person the SMS was sent for, when the sender knew it. */
  person_id?: string;
  created_at: string;
}

/** Local mode: keeps every SMS in memory, oldest first, for `GET /_local/sms`. */
export class OutboxSmsSender implements SmsSender {
  readonly entries: OutboxEntry[] = [];

  constructor(
    private readonly now: () => Date = () => new Date(),
    /** Told of each entry as it is kept (the local console's live feed). */
    private readonly onEntry?: (entry: OutboxEntry) => void,
  ) {}

  async send(message: SmsMessage): Promise<void> {
    const entry: OutboxEntry = {
      to: message.to,
      text: message.text,
      language: message.language,
      template_key: message.templateKey,
      ...(message.personId !== undefined ? { person_id: message.personId } : {}),
      created_at: this.now().toISOString(),
    };
    this.entries.push(entry);
    this.onEntry?.(entry);
  }
}
