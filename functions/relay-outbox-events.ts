import type { DynamoDBStreamEvent } from 'aws-lambda';
import { loadConfig } from '#shared/config.ts';
import { eventBridgeBusFromConfig } from '#shared/events/eventbridge-event-bus.ts';
import { relayRecords } from '#shared/events/relay-mapping.ts';
import { logger } from '#shared/logging.ts';

const bus = eventBridgeBusFromConfig(loadConfig());

/**
 * Table stream -> EventBridge. The event source mapping only passes outbox inserts; a failure throws, so Lambda
 * retries the batch (bisecting it to isolate a bad record) and finally records it in the relay's failure queue.
 */
export const handler = async (event: DynamoDBStreamEvent): Promise<void> => {
  const published = await relayRecords(event.Records, bus);
  logger.info('outbox events relayed', { records: event.Records.length, published });
};
