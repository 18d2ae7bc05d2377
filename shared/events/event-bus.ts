import type { DomainEvent } from './event.ts';

/**
 * Where the relay publishes events. `publish` resolves only once every event is accepted; it throws otherwise, and
 * the caller keeps its position so the whole batch is published again (at least once, never lost).
 */
export interface EventBus {
  publish(events: readonly DomainEvent[]): Promise<void>;
}

/** Local mode: hands each event to an in-process consumer (the webhook fan-out) instead of EventBridge. */
export class InProcessEventBus implements EventBus {
  constructor(private readonly consume: (event: DomainEvent) => Promise<void>) {}

  async publish(events: readonly DomainEvent[]): Promise<void> {
    for (const event of events) await this.consume(event);
  }
}
