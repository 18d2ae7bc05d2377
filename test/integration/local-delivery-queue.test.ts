import { describe, expect, it } from 'vitest';
import type { DeliveryMessage } from '../../shared/webhooks/delivery.ts';
import { TableDeliveryQueue } from '../../shared/webhooks/local-delivery-queue.ts';
import { testRuntime } from '../support/harness.ts';
import { eventually } from '../support/receiver.ts';

const message = (id: string): DeliveryMessage => ({
  subscription_id: 'sub1',
  event: {
    metadata: { id, type: 'PERSON_MOBILE_NUMBER_CREATED', version: 1, time: '2026-11-22T10:00:00Z' },
    data: {},
  },
  attempt: 1,
  first_attempt_at: '2026-11-22T10:00:00Z',
});

/** Local mode's delivery queue on DynamoDB Local: durable across a restart, each message handled once. */
describe('the local delivery queue', () => {
  it('hands each message over once, and keeps a delayed one in the table for the next queue on it', async () => {
    const { runtime } = await testRuntime();
    const options = { db: runtime.db, tableName: runtime.config.tableName, pollMs: 20 };
    const handled: string[] = [];
    const first = new TableDeliveryQueue(options, async (m) => {
      handled.push(m.event.metadata.id);
    });
    first.start();
    await first.enqueue([message('now-1'), message('now-2')], 0);
    await first.enqueue([message('later')], 2);
    await eventually(() => expect(handled.sort()).toEqual(['now-1', 'now-2']));
    await first.close(); // as a stopped or killed server: 'later' is not due yet

    const second = new TableDeliveryQueue(options, async (m) => {
      handled.push(m.event.metadata.id);
    });
    second.start();
    await eventually(() => expect(handled).toContain('later'), 8_000);
    await new Promise((r) => setTimeout(r, 200));
    await second.close();
    expect(handled.sort()).toEqual(['later', 'now-1', 'now-2']);
  });

  it('tries a message whose handling throws again, and dead-letters it after five receives', async () => {
    const { runtime } = await testRuntime();
    let calls = 0;
    const queue = new TableDeliveryQueue(
      { db: runtime.db, tableName: runtime.config.tableName, pollMs: 10, redeliverSeconds: 0.01 },
      async () => {
        calls++;
        throw new Error('boom');
      },
    );
    queue.start();
    await queue.enqueue([message('broken')], 0);
    await eventually(async () => expect(await queue.deadLetters()).toHaveLength(1), 10_000);
    await queue.close();
    expect(calls).toBe(5);
    expect(await queue.deadLetters()).toEqual([{ message: message('broken'), reason: 'handling failed' }]);
  });
});
