import type { DomainEvent } from '../events/event.ts';
import { errorFields, logger } from '../logging.ts';
import type { DeliveryAttempt, DeliveryMessage, DeliveryQueue } from './delivery.ts';

/** What `GET /_local/events` shows: recent events, newest last, each with its delivery attempts. */
export interface LocalEventEntry {
  event: DomainEvent;
  published_at: string;
  deliveries: DeliveryAttempt[];
}

export class LocalEventLog {
  private readonly entries: LocalEventEntry[] = [];

  constructor(private readonly limit = 200) {}

  recordEvent(event: DomainEvent, now: Date): void {
    this.entries.push({ event, published_at: now.toISOString(), deliveries: [] });
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
  }

  recordAttempt(attempt: DeliveryAttempt): void {
    this.entries.find((entry) => entry.event.metadata.id === attempt.event_id)?.deliveries.push(attempt);
  }

  list(): readonly LocalEventEntry[] {
    return this.entries;
  }
}

/**
 * Local mode's delivery queue: each message waits on its own timer and is delivered on its own, so a slow receiver
 * holds up nobody else. Pending retries live in memory only (a restart of the local server drops them).
 */
export class InProcessDeliveryQueue implements DeliveryQueue {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;
  readonly deadLetters: Array<{ message: DeliveryMessage; reason: string }> = [];

  constructor(private readonly handle: (message: DeliveryMessage) => Promise<void>) {}

  async enqueue(messages: readonly DeliveryMessage[], delaySeconds: number): Promise<void> {
    if (this.closed) return;
    for (const message of messages) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        const run = this.handle(message)
          .catch((error: unknown) =>
            logger.error('local webhook delivery failed', { status: 'failed', error: errorFields(error) }),
          )
          .finally(() => this.inFlight.delete(run));
        this.inFlight.add(run);
      }, delaySeconds * 1000);
      this.timers.add(timer);
    }
  }

  async deadLetter(message: DeliveryMessage, reason: string): Promise<void> {
    this.deadLetters.push({ message, reason });
  }

  /** Cancels waiting deliveries and waits for those under way. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all([...this.inFlight]);
  }
}
