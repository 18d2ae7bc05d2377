import type { DomainEvent } from '../events/event.ts';
import { logger } from '../logging.ts';
import type { DocumentClient } from '../storage/dynamo.ts';
import type { DeliveryAttempt, DeliveryMessage, DeliveryQueue } from './delivery.ts';
import { LocalDeliveryStore } from './dynamo-local-delivery-store.ts';

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

  /** The local console's "Clear all". */
  clear(): void {
    this.entries.length = 0;
  }
}

/** Like SQS's maxReceiveCount: a message whose handling throws this often goes to the dead letters. */
const MAX_RECEIVES = 5;
const PAGE = 25;

export interface TableDeliveryQueueOptions {
  db: DocumentClient;
  tableName: string;
  /** How often due messages are looked for (retries become due on their own; new messages wake the queue). */
  pollMs: number;
  /** Delay before a message whose handling threw is tried again, times its receive count (SQS's visibility). */
  redeliverSeconds?: number;
}

/**
 * Local mode's delivery queue, in the table (DynamoDB Local, kept on disk with --persist): `enqueue` resolves once
 * every message is written, so the relay saves its stream checkpoint only after the deliveries are durable, and a
 * message leaves the table only after its delivery attempt finished (a retry is enqueued before that). A crash
 * (`kill -9`) at any point therefore loses nothing; it may deliver an attempt twice, with the same event id.
 *
 * Due times are wall-clock (what timers were before), whatever clock the service runs on. Each due message is
 * handled on its own, so a slow receiver holds up nobody else. One server per table: messages under way are
 * tracked in this process only.
 */
export class TableDeliveryQueue implements DeliveryQueue {
  private readonly inFlight = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private pollAgain = false;
  private closed = false;
  private readonly store: LocalDeliveryStore;

  constructor(
    private readonly options: TableDeliveryQueueOptions,
    private readonly handle: (message: DeliveryMessage) => Promise<void>,
  ) {
    this.store = new LocalDeliveryStore(options.db, options.tableName);
  }

  start(): void {
    this.schedule(0);
  }

  async enqueue(messages: readonly DeliveryMessage[], delaySeconds: number): Promise<void> {
    const dueAt = Date.now() + delaySeconds * 1000;
    await this.put(messages.map((message) => ({ message, dueAt, receives: 0 })));
    if (delaySeconds <= 0) this.wake();
  }

  async deadLetter(message: DeliveryMessage, reason: string): Promise<void> {
    await this.store.putDeadLetter(JSON.stringify(message), reason, new Date());
  }

  /** Dead-lettered deliveries, oldest first (what the DLQ holds on AWS). */
  async deadLetters(): Promise<Array<{ message: DeliveryMessage; reason: string }>> {
    return (await this.store.deadLetters()).map(({ message, reason }) => ({
      message: JSON.parse(message) as DeliveryMessage,
      reason,
    }));
  }

  /** Stops looking for messages and waits for deliveries under way; what is still queued stays in the table. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.polling;
    await Promise.all([...this.inFlight.values()]);
  }

  private put(entries: Array<{ message: DeliveryMessage; dueAt: number; receives: number }>) {
    return this.store.put(
      entries.map(({ message, dueAt, receives }) => ({ message: JSON.stringify(message), dueAt, receives })),
    );
  }

  private wake() {
    if (this.closed) return;
    if (this.polling) this.pollAgain = true;
    else this.schedule(0);
  }

  private schedule(delayMs: number) {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.polling = this.pollOnce()
        .catch((error: unknown) =>
          logger.warn('local delivery queue poll failed', {
            status: 'poll_failed',
            error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
          }),
        )
        .finally(() => {
          this.polling = undefined;
          const again = this.pollAgain;
          this.pollAgain = false;
          this.schedule(again ? 0 : this.options.pollMs);
        });
    }, delayMs);
  }

  /** Starts every due message that is not under way yet. */
  private async pollOnce(): Promise<void> {
    const keys = await this.store.due(new Date(), PAGE + this.inFlight.size);
    for (const key of keys) {
      if (this.closed || this.inFlight.has(key)) continue;
      const run = this.run(key)
        .catch((error: unknown) =>
          logger.warn('local delivery queue read failed', { status: 'read_failed', error: String(error) }),
        )
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, run);
    }
  }

  private async run(key: string): Promise<void> {
    // A page read before an earlier run of this message deleted it may still list it: that run ended (and left
    // the in-flight set) only after its delete, so a consistent read now tells.
    const item = await this.store.get(key);
    if (!item) return;
    const message = JSON.parse(item.message) as DeliveryMessage;
    try {
      await this.handle(message);
    } catch (error) {
      const receives = item.receives + 1;
      logger.error('local webhook delivery failed', {
        status: 'failed',
        receives,
        error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
      });
      try {
        if (receives >= MAX_RECEIVES) await this.deadLetter(message, 'handling failed');
        else {
          const dueAt = Date.now() + (this.options.redeliverSeconds ?? 5) * receives * 1000;
          await this.put([{ message, dueAt, receives }]);
        }
      } catch (putError) {
        // Keep the item: it becomes due again at once (as an SQS message whose visibility ran out).
        logger.error('local delivery queue could not reschedule', {
          status: 'reschedule_failed',
          error: String(putError),
        });
        return;
      }
    }
    try {
      await this.store.remove(key);
    } catch (error) {
      // The attempt is made; the message stays and is delivered again (at least once).
      logger.error('local delivery queue could not remove a handled message', {
        status: 'remove_failed',
        error: String(error),
      });
    }
  }
}
