import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type Adapters, compose, lambdaEntry } from '#shared/compose.ts';
import { eventEnvelope } from '#shared/events/relay-mapping.ts';
import { logger } from '#shared/logging.ts';
import { fanOut } from '#shared/webhooks/delivery.ts';
import { sqsDeliveryQueue } from '#shared/webhooks/sqs-delivery-queue.ts';

export const build = (adapters: Adapters) => {
  const rt = compose.webhooks(adapters);
  const queue = sqsDeliveryQueue(adapters.env.AWS_REGION ?? 'us-east-1', rt.config.webhooks);
  /**
   * EventBridge rule -> queue -> here: turns each event into one delivery message per matching subscription. A record
   * that fails is reported back alone, so SQS retries just that event (then its dead-letter queue takes it).
   */
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      try {
        const envelope = JSON.parse(record.body) as { detail?: unknown };
        const domainEvent = eventEnvelope.parse(envelope.detail);
        const count = await fanOut(rt, domainEvent as never, queue);
        logger.info('webhook fan-out', { event_id: domainEvent.metadata.id, deliveries: count });
      } catch (error) {
        logger.error('webhook fan-out failed', {
          message_id: record.messageId,
          error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
        });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
};

export const handler = lambdaEntry('fan-out-webhook-events', build, {});
