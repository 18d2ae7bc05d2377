import type { Uses } from '../deps.ts';
import type { DomainEvent } from '../events/event.ts';
import { logger } from '../logging.ts';
import { metrics, type WebhookOutcome } from '../metrics.ts';
import { signBody, standardWebhookHeaders } from './signature.ts';
import { resolveWebhookTarget, UnsafeWebhookUrl } from './url-guard.ts';

export type DeliveryDeps = Uses<'clock' | 'webhooks' | 'webhookSecrets' | 'webhookHttp', 'webhooks'>;

/** One delivery of one event to one subscription: each is its own message, so subscribers never wait on each other. */
export interface DeliveryMessage {
  subscription_id: string;
  event: DomainEvent;
  /** The attempt this message makes (1 for the first). */
  attempt: number;
  first_attempt_at: string;
}

/** Where deliveries wait: SQS on AWS, in-process timers locally. */
export interface DeliveryQueue {
  enqueue(messages: readonly DeliveryMessage[], delaySeconds: number): Promise<void>;
  /** Gives up on a delivery: it is kept for operators (the DLQ on AWS) and never retried by the service. */
  deadLetter(message: DeliveryMessage, reason: string): Promise<void>;
}

export type DeliveryOutcome = WebhookOutcome;

export interface DeliveryAttempt {
  event_id: string;
  event_type: string;
  subscription_id: string;
  attempt: number;
  outcome: DeliveryOutcome;
  status?: number;
  error?: string;
  next_attempt_in_seconds?: number;
  at: string;
}

export const DELIVERY_HEADERS = {
  eventType: 'Solaris-Webhook-Event-Type',
  eventId: 'Solaris-Webhook-Event-Id',
  attempt: 'Solaris-Webhook-Attempt',
  subscriptionId: 'Solaris-Webhook-Subscription-Id',
  signature: 'Solaris-Webhook-Signature',
} as const;

/** Delay before attempt `attempt + 1`: the base doubles with each attempt, capped at the maximum delay. */
export function retryDelaySeconds(rt: DeliveryDeps, attempt: number): number {
  const { retryBaseSeconds, retryMaxDelaySeconds } = rt.config.webhooks;
  return Math.min(retryBaseSeconds * 2 ** (attempt - 1), retryMaxDelaySeconds);
}

/**
 * Fan out an event: one delivery message per subscription to its type, all starting at attempt 1.
 * Running twice (a redelivered event) sends the subscribers the event twice, with the same event id.
 */
export async function fanOut(rt: DeliveryDeps, event: DomainEvent, queue: DeliveryQueue): Promise<number> {
  const subscriptions = await rt.webhooks.list(event.metadata.type);
  const firstAttemptAt = rt.clock.now().toISOString();
  const messages = subscriptions.map((subscription) => ({
    subscription_id: subscription.id,
    event,
    attempt: 1,
    first_attempt_at: firstAttemptAt,
  }));
  if (messages.length > 0) await queue.enqueue(messages, 0);
  return messages.length;
}

/**
 * Deliver one event to one subscription.
 * 1. Load the subscription; if it was deleted meanwhile, drop the delivery.
 * 2. Check its URL again and resolve it (DNS may have changed since it was created); connect to the checked address.
 * 3. POST the event JSON, signed with the subscription's secret twice (Solaris's body signature, and Standard
 *    Webhooks' signature over event id, this attempt's time and body), with event type, event id (the same on every
 *    attempt), attempt number and subscription id as headers; at most the delivery timeout.
 * 4. 2xx: done. 410: the subscriber cancels, delete the subscription. 422: the subscriber rejects this event, stop.
 * 5. Anything else (other status, refused, timeout, unsafe address): retry after an exponentially growing delay,
 *    unless that would pass the retry window, counted from the first attempt: then dead-letter it.
 */
export async function deliver(
  rt: DeliveryDeps,
  message: DeliveryMessage,
  queue: DeliveryQueue,
): Promise<DeliveryAttempt> {
  const base = {
    event_id: message.event.metadata.id,
    event_type: message.event.metadata.type,
    subscription_id: message.subscription_id,
    attempt: message.attempt,
  };
  const startedAt = Date.now();
  const record = (attempt: Omit<DeliveryAttempt, keyof typeof base | 'at'>): DeliveryAttempt => {
    const result = { ...base, ...attempt, at: rt.clock.now().toISOString() };
    const { status: receiverStatus, ...fields } = result;
    const latencyMs = Date.now() - startedAt;
    logger.info('webhook delivery', {
      ...fields,
      status: result.outcome,
      receiver_status: receiverStatus ?? null,
      delivery_ms: latencyMs,
    });
    metrics.webhookDelivery(result.outcome, latencyMs);
    return result;
  };

  const subscription = await rt.webhooks.get(message.subscription_id);
  if (!subscription) return record({ outcome: 'subscription_gone' });

  const body = JSON.stringify(message.event);
  const secret = await rt.webhookSecrets.open(subscription.sealedSecret, subscription.id);
  // After a key rotation, re-seal lazily under the current key version, so old versions can be retired.
  // A failed re-seal does not hold up the delivery: the next one tries again.
  if (await rt.webhookSecrets.isStale(subscription.sealedSecret)) {
    const resealed = await rt.webhookSecrets.seal(secret, subscription.id);
    await rt.webhooks
      .replaceSealedSecret(subscription.id, subscription.sealedSecret, resealed)
      .catch((error: unknown) =>
        logger.warn('webhook secret re-seal failed', {
          status: 'reseal_failed',
          subscription_id: subscription.id,
          error: String(error),
        }),
      );
  }
  let reply: { status: number } | { error: string };
  try {
    const target = await resolveWebhookTarget(
      subscription.url,
      { allowLocalHttp: rt.config.webhooks.allowLocalHttp },
      rt.webhookHttp.resolve,
    );
    reply = await rt.webhookHttp.post({
      target,
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'phone-security-webhooks/1',
        [DELIVERY_HEADERS.eventType]: message.event.metadata.type,
        [DELIVERY_HEADERS.eventId]: message.event.metadata.id,
        [DELIVERY_HEADERS.attempt]: String(message.attempt),
        [DELIVERY_HEADERS.subscriptionId]: subscription.id,
        [DELIVERY_HEADERS.signature]: signBody(secret, body),
        ...standardWebhookHeaders(secret, message.event.metadata.id, rt.clock.now(), body),
      },
      body,
      timeoutMs: rt.config.webhooks.deliveryTimeoutMs,
    });
  } catch (error) {
    // An unsafe or unresolvable address may be a passing DNS state: retried like any other failure.
    if (error instanceof UnsafeWebhookUrl) reply = { error: `unsafe target: ${error.message}` };
    else if (error instanceof Error && 'code' in error) reply = { error: `DNS: ${error.message}` };
    else throw error;
  }

  if ('status' in reply) {
    if (reply.status >= 200 && reply.status <= 299)
      return record({ outcome: 'delivered', status: reply.status });
    if (reply.status === 410) {
      await rt.webhooks.delete(subscription.id);
      return record({ outcome: 'subscription_cancelled', status: 410 });
    }
    if (reply.status === 422) return record({ outcome: 'rejected', status: 422 });
  }
  const failure = 'status' in reply ? { status: reply.status } : { error: reply.error };
  const delay = retryDelaySeconds(rt, message.attempt);
  const deadline = Date.parse(message.first_attempt_at) + rt.config.webhooks.retryWindowSeconds * 1000;
  if (rt.clock.now().getTime() + delay * 1000 > deadline) {
    await queue.deadLetter(message, 'status' in failure ? `status ${failure.status}` : failure.error!);
    return record({ outcome: 'dead_lettered', ...failure });
  }
  await queue.enqueue([{ ...message, attempt: message.attempt + 1 }], delay);
  return record({ outcome: 'retry_scheduled', ...failure, next_attempt_in_seconds: delay });
}
