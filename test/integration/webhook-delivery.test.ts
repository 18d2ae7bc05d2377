import { describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../shared/events/event.ts';
import { type DeliveryMessage, type DeliveryQueue, deliver, fanOut } from '../../shared/webhooks/delivery.ts';
import type { WebhookHttp, WebhookPost } from '../../shared/webhooks/webhook-http.ts';
import { TestClock, testRuntime } from '../support/harness.ts';

class RecordingQueue implements DeliveryQueue {
  readonly enqueued: Array<{ message: DeliveryMessage; delaySeconds: number }> = [];
  readonly deadLetters: Array<{ message: DeliveryMessage; reason: string }> = [];
  async enqueue(messages: readonly DeliveryMessage[], delaySeconds: number) {
    this.enqueued.push(...messages.map((message) => ({ message, delaySeconds })));
  }
  async deadLetter(message: DeliveryMessage, reason: string) {
    this.deadLetters.push({ message, reason });
  }
}

/** A receiver that answers every request with one status, and remembers what it was sent. */
const answering = (status: number) => {
  const posts: WebhookPost[] = [];
  const http: WebhookHttp = {
    resolve: async () => [{ address: '93.184.216.34', family: 4 }],
    post: async (request) => {
      posts.push(request);
      return { status };
    },
  };
  return { http, posts };
};

const event: DomainEvent = {
  metadata: {
    id: 'event-1',
    type: 'PERSON_MOBILE_NUMBER_CREATED',
    version: 1,
    time: '2026-11-22T10:00:00.000Z',
  },
  data: { id: 'n1' },
};

async function setup(status: number, clock = new TestClock()) {
  const receiver = answering(status);
  const { runtime } = await testRuntime({
    clock,
    env: {
      WEBHOOK_SECRET_KEY: 'w'.repeat(40),
      WEBHOOK_RETRY_BASE_SECONDS: '60',
      WEBHOOK_RETRY_MAX_DELAY_SECONDS: '21600',
    },
  });
  runtime.webhookHttp = receiver.http;
  await runtime.webhooks.create(
    {
      id: 'sub1',
      eventType: 'PERSON_MOBILE_NUMBER_CREATED',
      url: 'https://hooks.example.test/in',
      sealedSecret: await runtime.webhookSecrets.seal('s3cret', 'sub1'),
      createdAt: clock.now().toISOString(),
    },
    10,
  );
  return { runtime, receiver, clock, queue: new RecordingQueue() };
}

describe('webhook delivery', () => {
  it('fans an event out to the subscriptions of its type only, one message each', async () => {
    const { runtime, queue } = await setup(200);
    await runtime.webhooks.create(
      {
        id: 'sub2',
        eventType: 'PERSON_MOBILE_NUMBER_DELETED',
        url: 'https://hooks.example.test/other',
        sealedSecret: await runtime.webhookSecrets.seal('x', 'sub2'),
        createdAt: new Date().toISOString(),
      },
      10,
    );
    expect(await fanOut(runtime, event, queue)).toBe(1);
    expect(queue.enqueued.map((q) => [q.message.subscription_id, q.message.attempt, q.delaySeconds])).toEqual(
      [['sub1', 1, 0]],
    );
  });

  it('backs off exponentially, capped, and dead-letters once the next try would pass 5 days', async () => {
    const { runtime, queue, clock, receiver } = await setup(500);
    const first: DeliveryMessage = {
      subscription_id: 'sub1',
      event,
      attempt: 1,
      first_attempt_at: clock.now().toISOString(),
    };
    let message = first;
    const delays: number[] = [];
    for (;;) {
      const result = await deliver(runtime, message, queue);
      if (result.outcome === 'dead_lettered') break;
      expect(result).toMatchObject({ outcome: 'retry_scheduled', status: 500 });
      const next = queue.enqueued.at(-1)!;
      delays.push(next.delaySeconds);
      clock.advance(next.delaySeconds);
      message = next.message;
    }
    expect(delays.slice(0, 4)).toEqual([60, 120, 240, 480]);
    expect(Math.max(...delays)).toBe(21600);
    const total = delays.reduce((a, b) => a + b, 0);
    expect(total).toBeLessThanOrEqual(5 * 24 * 3600);
    expect(total + 21600).toBeGreaterThan(5 * 24 * 3600);
    expect(queue.deadLetters).toEqual([{ message, reason: 'status 500' }]);
    // Every attempt carried the same event id and body; only the attempt number moved on.
    expect(new Set(receiver.posts.map((p) => p.headers['Solaris-Webhook-Event-Id']))).toEqual(
      new Set(['event-1']),
    );
    expect(new Set(receiver.posts.map((p) => p.body)).size).toBe(1);
    expect(receiver.posts.map((p) => Number(p.headers['Solaris-Webhook-Attempt']))).toEqual(
      receiver.posts.map((_, i) => i + 1),
    );
  });

  it('retries when the host now resolves to a private address, without connecting', async () => {
    const { runtime, queue, receiver } = await setup(200);
    runtime.webhookHttp = { ...receiver.http, resolve: async () => [{ address: '10.0.0.5', family: 4 }] };
    const result = await deliver(
      runtime,
      { subscription_id: 'sub1', event, attempt: 1, first_attempt_at: new Date().toISOString() },
      queue,
    );
    expect(result).toMatchObject({
      outcome: 'retry_scheduled',
      error: expect.stringContaining('unsafe target'),
    });
    expect(receiver.posts).toEqual([]);
  });

  it('drops a delivery whose subscription was deleted meanwhile', async () => {
    const { runtime, queue, receiver } = await setup(200);
    await runtime.webhooks.delete('sub1');
    const result = await deliver(
      runtime,
      { subscription_id: 'sub1', event, attempt: 3, first_attempt_at: new Date().toISOString() },
      queue,
    );
    expect(result.outcome).toBe('subscription_gone');
    expect(receiver.posts).toEqual([]);
    expect(queue.enqueued).toEqual([]);
  });

  it('bounds the number of subscriptions atomically', async () => {
    const { runtime } = await setup(200);
    const attempts = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        runtime.webhooks.create(
          {
            id: `extra${i}`,
            eventType: 'PERSON_MOBILE_NUMBER_CREATED',
            url: 'https://hooks.example.test/in',
            sealedSecret: 'v1.a.b.c',
            createdAt: new Date().toISOString(),
          },
          10,
        ),
      ),
    );
    // One subscription existed already: exactly nine more fit under the limit of ten.
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(9);
    expect(attempts.find((a) => a.status === 'rejected')).toMatchObject({ reason: { status: 409 } });
    expect(await runtime.webhooks.list()).toHaveLength(10);
  });
});
