import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as compose from '#shared/compose.ts';
import type { DomainEvent } from '#shared/events/event.ts';
import { eventEnvelope } from '#shared/events/relay-mapping.ts';
import { eachSqsRecord } from '#shared/events/sqs-batch.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { logger } from '#shared/logging.ts';
import { fanOut } from '#shared/webhooks/delivery.ts';
import { sqsDeliveryQueue } from '#shared/webhooks/sqs-delivery-queue.ts';

export const build = (adapters: Adapters) => {
  const rt = compose.webhooks(adapters);
  const queue = sqsDeliveryQueue(adapters.env.AWS_REGION ?? 'us-east-1', rt.config.webhooks);
  /**
   * EventBridge rule -> queue -> here: turns each event into one delivery message per matching subscription. A
   * record that fails is reported back alone, so SQS retries just that event (then its dead-letter queue takes it).
   * Each record's log lines carry the event id as correlation id.
   */
  return (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    eachSqsRecord(
      'fan-out-webhook-events',
      event,
      context,
      (record) => {
        const envelope = JSON.parse(record.body) as { detail?: unknown };
        const domainEvent = eventEnvelope.parse(envelope.detail) as DomainEvent;
        return { value: domainEvent, correlationId: domainEvent.metadata.id };
      },
      async (domainEvent) => {
        const count = await fanOut(rt, domainEvent as never, queue);
        logger.info('webhook fan-out', {
          status: 'fanned_out',
          event_id: domainEvent.metadata.id,
          deliveries: count,
        });
      },
    );
};

export const handler = lambdaEntry('fan-out-webhook-events', build, {});
