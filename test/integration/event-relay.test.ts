import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { LocalStreamRelay } from '../../shared/events/dynamodb-stream-relay.ts';
import { buildEvent, type DomainEvent, outboxPut } from '../../shared/events/event.ts';
import type { EventBus } from '../../shared/events/event-bus.ts';
import { MobileNumberCreated } from '../../shared/events/mobile-number-events.ts';
import { testRuntime } from '../support/harness.ts';
import { eventually } from '../support/receiver.ts';

class RecordingBus implements EventBus {
  readonly ids: string[] = [];
  failNext = 0;
  async publish(events: readonly DomainEvent[]) {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('bus unavailable');
    }
    this.ids.push(...events.map((e) => e.metadata.id));
  }
}

async function writeEvents(
  rt: Awaited<ReturnType<typeof testRuntime>>['runtime'],
  count: number,
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const now = new Date();
    const event: DomainEvent = buildEvent(
      MobileNumberCreated,
      { id: `n${i}`, person_id: `p${i}`, number: '+15550101', verified: false },
      now,
    );
    // Other writes in the same table must be ignored by the relay.
    await rt.languages.put(`p${i}`, 'de', now);
    await rt.db.send(
      new TransactWriteCommand({ TransactItems: [outboxPut(rt.config.tableName, event, now).item] }),
    );
    ids.push(event.metadata.id);
  }
  return ids;
}

const relayFor = (rt: Awaited<ReturnType<typeof testRuntime>>['runtime'], bus: EventBus) =>
  new LocalStreamRelay({
    db: rt.db,
    tableName: rt.config.tableName,
    endpoint: inject('dynamoEndpoint'),
    region: rt.config.region,
    bus,
    pollMs: 30,
  });

describe('local stream relay', () => {
  it('resumes after a restart from its checkpoint: events written while stopped arrive, earlier ones do not repeat', async () => {
    const { runtime } = await testRuntime();
    const firstBus = new RecordingBus();
    const first = relayFor(runtime, firstBus);
    first.start();
    const before = await writeEvents(runtime, 3);
    await eventually(() => expect(firstBus.ids).toEqual(before));
    await first.stop();

    const whileStopped = await writeEvents(runtime, 4);

    const secondBus = new RecordingBus();
    const second = relayFor(runtime, secondBus);
    second.start();
    try {
      await eventually(() => expect(secondBus.ids).toEqual(whileStopped));
      const after = await writeEvents(runtime, 2);
      await eventually(() => expect(secondBus.ids).toEqual([...whileStopped, ...after]));
    } finally {
      await second.stop();
    }
  });

  it('publishes a batch again when the bus failed, so nothing is skipped', async () => {
    const { runtime } = await testRuntime();
    const bus = new RecordingBus();
    const relay = relayFor(runtime, bus);
    const ids = await writeEvents(runtime, 2);
    bus.failNext = 1;
    await expect(relay.pollOnce()).rejects.toThrow('bus unavailable');
    expect(bus.ids).toEqual([]);
    await relay.pollOnce();
    expect(bus.ids).toEqual(ids);
    await relay.stop();
  });

  it('stops cleanly while idle and while started twice', async () => {
    const { runtime } = await testRuntime();
    const relay = relayFor(runtime, new RecordingBus());
    relay.start();
    relay.start();
    await relay.stop();
    await relay.stop();
  });
});
