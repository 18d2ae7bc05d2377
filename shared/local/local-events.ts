import type { Adapters } from '../compose.ts';
import * as compose from '../compose.ts';
import { tableSection } from '../config.ts';
import { LocalStreamRelay } from '../events/dynamodb-stream-relay.ts';
import type { DomainEvent } from '../events/event.ts';
import { InProcessEventBus } from '../events/event-bus.ts';
import { deliver, fanOut } from '../webhooks/delivery.ts';
import { LocalEventLog, TableDeliveryQueue } from '../webhooks/local-delivery-queue.ts';
import type { LocalFeed } from './console/feed.ts';

export interface LocalEvents {
  log: LocalEventLog;
  deliveries: TableDeliveryQueue;
  relay: LocalStreamRelay;
  /** Stops the relay first (no new events), then the delivery queue (waiting deliveries stay in the table). */
  stop(): Promise<void>;
}

/**
 * The AWS event path, in process: the table's stream (DynamoDB Local) -> the relay's mapping -> an in-process bus ->
 * the same fan-out and delivery code the Lambdas run, with a queue in the table in place of SQS.
 */
export function startLocalEvents(adapters: Adapters, endpoint: string, feed?: LocalFeed): LocalEvents {
  const rt = compose.webhooks(adapters);
  const table = tableSection(adapters.env);
  const log = new LocalEventLog();
  const deliveries: TableDeliveryQueue = new TableDeliveryQueue(
    { db: adapters.db, tableName: table.tableName, pollMs: rt.config.webhooks.relayPollMs },
    async (message) => {
      const attempt = await deliver(rt, message, deliveries);
      log.recordAttempt(attempt);
      feed?.attempt(attempt);
    },
  );
  const bus = new InProcessEventBus(async (event: DomainEvent) => {
    const now = rt.clock.now();
    log.recordEvent(event, now);
    feed?.event(event, now);
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
  deliveries.start();
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
