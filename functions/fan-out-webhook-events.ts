import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { eventEnvelope } from '#shared/events/relay-mapping.ts';
import { errorFields, logger, withInvocation } from '#shared/logging.ts';
import { runtime } from '#shared/runtime.ts';
import { fanOut } from '#shared/webhooks/delivery.ts';
import { sqsDeliveryQueueFromConfig } from '#shared/webhooks/sqs-delivery-queue.ts';

const queue = sqsDeliveryQueueFromConfig(runtime().config);

/**
 * EventBridge rule -> queue -> here: turns each event into one delivery message per matching subscription. A record
 * that fails is reported back alone, so SQS retries just that event (then its dead-letter queue takes it). Each
 * record's log lines carry the event id as correlation id.
 */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    let correlationId = context.awsRequestId;
    try {
      const envelope = JSON.parse(record.body) as { detail?: unknown };
      const domainEvent = eventEnvelope.parse(envelope.detail);
      correlationId = domainEvent.metadata.id;
      await withInvocation('fan-out-webhook-events', correlationId, async () => {
        const count = await fanOut(runtime(), domainEvent as never, queue);
        logger.info('webhook fan-out', { status: 'fanned_out', event_id: correlationId, deliveries: count });
      });
    } catch (error) {
      withInvocation('fan-out-webhook-events', correlationId, () =>
        logger.error('webhook fan-out failed', {
          status: 'failed',
          message_id: record.messageId,
          error: errorFields(error),
        }),
      );
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};
