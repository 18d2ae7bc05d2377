import { type Adapters, compose } from '../compose.ts';
import { tableSection } from '../config.ts';
import { LocalStreamRelay } from '../events/dynamodb-stream-relay.ts';
import type { DomainEvent } from '../events/event.ts';
import { InProcessEventBus } from '../events/event-bus.ts';
import { deliver, fanOut } from '../webhooks/delivery.ts';
import { InProcessDeliveryQueue, LocalEventLog } from '../webhooks/local-delivery-queue.ts';

export interface LocalEvents {
  log: LocalEventLog;
  deliveries: InProcessDeliveryQueue;
  relay: LocalStreamRelay;
  /** Stops the relay first (no new events), then cancels waiting retries and waits for deliveries under way. */
  stop(): Promise<void>;
}

/**
 * The AWS event path, in process: the table's stream (DynamoDB Local) -> the relay's mapping -> an in-process bus ->
 * the same fan-out and delivery code the Lambdas run, with timers in place of SQS delays.
 */
export function startLocalEvents(adapters: Adapters, endpoint: string): LocalEvents {
  const rt = compose.webhooks(adapters);
  const table = tableSection(adapters.env);
  const log = new LocalEventLog();
  const deliveries: InProcessDeliveryQueue = new InProcessDeliveryQueue(async (message) => {
    log.recordAttempt(await deliver(rt, message, deliveries));
  });
  const bus = new InProcessEventBus(async (event: DomainEvent) => {
    log.recordEvent(event, rt.clock.now());
    await fanOut(rt, event, deliveries);
  });
  const relay = new LocalStreamRelay({
    db: adapters.db,
    tableName: table.tableName,
    endpoint,
    region: table.region,
    bus,
    pollMs: rt.config.webhooks.relayPollMs,
  });
  relay.start();
  return {
    log,
    deliveries,
    relay,
    stop: async () => {
      await relay.stop();
      await deliveries.close();
    },
  };
}
