import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE } from './catalog.ts';
import type { DomainEvent } from './event.ts';
import type { EventBus } from './event-bus.ts';

/** PutEvents takes at most 10 entries per call. */
const MAX_ENTRIES = 10;

export class EventPublishError extends Error {
  constructor(
    message: string,
    readonly failures: Array<{ eventId: string; code?: string | undefined; message?: string | undefined }>,
  ) {
    super(message);
    this.name = 'EventPublishError';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * AWS: publishes to the service's custom bus. PutEvents can accept a call and still reject some entries
 * (FailedEntryCount); those entries are retried a few times, and if any still fail the whole publish throws, so the
 * stream batch is retried and nothing is dropped.
 */
export class EventBridgeEventBus implements EventBus {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
    private readonly options: { attempts?: number; backoffMs?: number } = {},
  ) {}

  async publish(events: readonly DomainEvent[]): Promise<void> {
    for (let start = 0; start < events.length; start += MAX_ENTRIES) {
      await this.publishChunk(events.slice(start, start + MAX_ENTRIES));
    }
  }

  private entry(event: DomainEvent): PutEventsRequestEntry {
    return {
      EventBusName: this.busName,
      Source: EVENT_SOURCE,
      DetailType: event.metadata.type,
      Detail: JSON.stringify(event),
      Time: new Date(event.metadata.time),
    };
  }

  private async publishChunk(chunk: DomainEvent[]): Promise<void> {
    const attempts = this.options.attempts ?? 3;
    let pending = chunk;
    let failures: EventPublishError['failures'] = [];
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const result = await this.client.send(
        new PutEventsCommand({ Entries: pending.map((e) => this.entry(e)) }),
      );
      if (!result.FailedEntryCount) return;
      // Result entries line up with request entries; a failed one has an ErrorCode and no EventId.
      const entries = result.Entries ?? [];
      failures = [];
      const retry: DomainEvent[] = [];
      pending.forEach((event, index) => {
        const outcome = entries[index];
        if (!outcome || outcome.ErrorCode || !outcome.EventId) {
          retry.push(event);
          failures.push({
            eventId: event.metadata.id,
            code: outcome?.ErrorCode,
            message: outcome?.ErrorMessage,
          });
        }
      });
      pending = retry;
      if (pending.length === 0) return;
      if (attempt < attempts) await sleep((this.options.backoffMs ?? 100) * 2 ** (attempt - 1));
    }
    throw new EventPublishError(`EventBridge rejected ${pending.length} event(s)`, failures);
  }
}

/** The relay Lambda's bus, from its configuration (AWS_REGION, EVENT_BUS_NAME). */
export function eventBridgeBus(region: string, eventBusName: string | undefined): EventBridgeEventBus {
  if (!eventBusName) throw new Error('Invalid configuration: EVENT_BUS_NAME is required');
  return new EventBridgeEventBus(new EventBridgeClient({ region }), eventBusName);
}
