import '#shared/aws/secrets-manager.ts';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { errorFields, logger, withInvocation } from '#shared/logging.ts';
import { runtime } from '#shared/runtime.ts';
import { type DeliveryMessage, deliver } from '#shared/webhooks/delivery.ts';
import { type QueuedDelivery, sqsDeliveryQueueFromConfig } from '#shared/webhooks/sqs-delivery-queue.ts';

const queue = sqsDeliveryQueueFromConfig(runtime().config);

/**
 * Delivery queue -> here: one delivery (one subscription, one event) per message. Retries and dead-lettering are
 * decided by `deliver` and sent as new messages; a thrown error (a bug, DynamoDB unavailable) is reported back, so
 * SQS shows the message again and, after a few receives, moves it to the dead-letter queue. The event id is the
 * correlation id of every line.
 */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    let correlationId = context.awsRequestId;
    try {
      const { not_before, ...message } = JSON.parse(record.body) as QueuedDelivery;
      correlationId = message.event?.metadata?.id ?? correlationId;
      await withInvocation('deliver-webhook', correlationId, async () => {
        if (not_before && Date.parse(not_before) > Date.now()) {
          await queue.postpone({ ...message, not_before });
          return;
        }
        await deliver(runtime(), message as DeliveryMessage, queue);
      });
    } catch (error) {
      withInvocation('deliver-webhook', correlationId, () =>
        logger.error('webhook delivery failed', {
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
