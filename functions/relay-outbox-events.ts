import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { regionSection, webhookSection } from '#shared/config.ts';
import { eventBridgeBus } from '#shared/events/eventbridge-event-bus.ts';
import { relayBatch } from '#shared/events/relay-mapping.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { errorFields, logger, withInvocation } from '#shared/logging.ts';
import { metrics } from '#shared/metrics.ts';
import { loggableStack } from '#shared/source-stack.ts';

// The relay reads no table item and no secret: it needs its bus only (AWS_REGION and EVENT_BUS_NAME).
export const build = ({ env }: Pick<Adapters, 'env'>) => {
  const bus = eventBridgeBus(regionSection(env), webhookSection(env).eventBusName);
  /**
   * Table stream -> EventBridge. The event source mapping only passes outbox inserts and asks for a partial batch
   * response: the records before the first failure are published and stay so; Lambda retries from the failed record
   * (bisecting what is left) and finally records it in the relay's failure queue.
   */
  return (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> =>
    withInvocation('relay-outbox-events', context.awsRequestId, async () => {
      const result = await relayBatch(event.Records, bus);
      if (result.maxLagMs !== undefined) metrics.relayLag(result.maxLagMs);
      if (!('failure' in result)) {
        logger.info('outbox events relayed', {
          status: 'published',
          records: event.Records.length,
          published: result.published,
        });
        return { batchItemFailures: [] };
      }
      logger.error('outbox events not relayed', {
        status: 'failed',
        records: event.Records.length,
        published: result.published,
        failed_sequence_number: result.failedSequenceNumber,
        error: errorFields(result.failure),
        stack: loggableStack(result.failure),
      });
      // A record without a sequence number cannot be named: fail the whole batch instead (it is retried).
      if (result.failedSequenceNumber === undefined) throw result.failure;
      return { batchItemFailures: [{ itemIdentifier: result.failedSequenceNumber }] };
    });
};

export const handler = lambdaEntry('relay-outbox-events', build, {}, { table: false });
