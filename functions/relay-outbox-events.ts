import type { DynamoDBStreamEvent } from 'aws-lambda';
import { type Adapters, lambdaEntry } from '#shared/compose.ts';
import { regionSection, webhookSection } from '#shared/config.ts';
import { eventBridgeBus } from '#shared/events/eventbridge-event-bus.ts';
import { relayRecords } from '#shared/events/relay-mapping.ts';
import { logger } from '#shared/logging.ts';

// The relay reads no table item and no secret: it needs its bus only (AWS_REGION and EVENT_BUS_NAME).
export const build = ({ env }: Pick<Adapters, 'env'>) => {
  const bus = eventBridgeBus(regionSection(env), webhookSection(env).eventBusName);
  /**
   * Table stream -> EventBridge. The event source mapping only passes outbox inserts; a failure throws, so Lambda
   * retries the batch (bisecting it to isolate a bad record) and finally records it in the relay's failure queue.
   */
  return async (event: DynamoDBStreamEvent): Promise<void> => {
    const published = await relayRecords(event.Records, bus);
    logger.info('outbox events relayed', { records: event.Records.length, published });
  };
};

export const handler = lambdaEntry('relay-outbox-events', build, {}, { table: false });
