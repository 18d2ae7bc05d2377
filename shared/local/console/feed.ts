import type { DomainEvent } from '../../events/event.ts';
import type { OutboxEntry } from '../../sms/outbox-sms-sender.ts';
import { DELIVERY_HEADERS, type DeliveryAttempt } from '../../webhooks/delivery.ts';
import type { WebhookHttp } from '../../webhooks/webhook-http.ts';

/** What local mode tells its console, as it happens. */
export type FeedItem =
  | { kind: 'sms'; sms: OutboxEntry }
  | { kind: 'event'; event: DomainEvent; published_at: string }
  | { kind: 'delivery'; attempt: ConsoleDeliveryAttempt };

/** A delivery attempt and, when its POST left, the headers and body it carried (signature included). */
export type ConsoleDeliveryAttempt = DeliveryAttempt & { headers?: Record<string, string>; body?: string };

export type FeedListener = (item: FeedItem) => void;

/**
 * A small in-process feed: the local SMS outbox, the local relay and the local webhook delivery publish to it; the
 * console listens. A listener that throws is the console's bug and never breaks the sender.
 */
export class LocalFeed {
  private readonly listeners = new Set<FeedListener>();
  /** Each webhook delivery POST, by event id, subscription id and attempt, until its attempt record. */
  private readonly sent = new Map<string, { headers: Record<string, string>; body: string }>();

  subscribe(listener: FeedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(item: FeedItem): void {
    for (const listener of this.listeners) {
      try {
        listener(item);
      } catch {
        // The console must not fail an SMS, an event or a delivery.
      }
    }
  }

  sms(entry: OutboxEntry): void {
    this.publish({ kind: 'sms', sms: entry });
  }

  event(event: DomainEvent, at: Date): void {
    this.publish({ kind: 'event', event, published_at: at.toISOString() });
  }

  /** A delivery attempt as `deliver` recorded it, with the POST it sent (none if it never left). */
  attempt(attempt: DeliveryAttempt): void {
    const key = attemptKey(attempt.event_id, attempt.subscription_id, String(attempt.attempt));
    const sent = this.sent.get(key);
    this.sent.delete(key);
    this.publish({ kind: 'delivery', attempt: sent ? { ...attempt, ...sent } : attempt });
  }

  /** Wraps outbound webhook HTTP so the console can show the headers and body each delivery was sent with. */
  watch(http: WebhookHttp): WebhookHttp {
    return {
      resolve: http.resolve,
      post: (request) => {
        const eventId = request.headers[DELIVERY_HEADERS.eventId];
        if (eventId !== undefined) {
          const key = attemptKey(
            eventId,
            request.headers[DELIVERY_HEADERS.subscriptionId] ?? '',
            request.headers[DELIVERY_HEADERS.attempt] ?? '',
          );
          this.sent.set(key, { headers: { ...request.headers }, body: request.body });
          // Bounded: an attempt whose record never comes (a crash mid-delivery) must not pile up.
          if (this.sent.size > 1000) this.sent.delete(this.sent.keys().next().value!);
        }
        return http.post(request);
      },
    };
  }
}

const attemptKey = (eventId: string, subscriptionId: string, attempt: string) =>
  `${eventId} ${subscriptionId} ${attempt}`;
