import '#shared/aws/secrets-manager.ts';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { logger } from '#shared/logging.ts';
import { runtime } from '#shared/runtime.ts';
import { type DeliveryMessage, deliver } from '#shared/webhooks/delivery.ts';
import { type QueuedDelivery, sqsDeliveryQueueFromConfig } from '#shared/webhooks/sqs-delivery-queue.ts';

const queue = sqsDeliveryQueueFromConfig(runtime().config);

/**
 * Delivery queue -> here: one delivery (one subscription, one event) per message. Retries and dead-lettering are
 * decided by `deliver` and sent as new messages; a thrown error (a bug, DynamoDB unavailable) is reported back, so
 * SQS shows the message again and, after a few receives, moves it to the dead-letter queue.
 */
export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      const { not_before, ...message } = JSON.parse(record.body) as QueuedDelivery;
      if (not_before && Date.parse(not_before) > Date.now()) {
        await queue.postpone({ ...message, not_before });
        continue;
      }
      await deliver(runtime(), message as DeliveryMessage, queue);
    } catch (error) {
      logger.error('webhook delivery failed', {
        message_id: record.messageId,
        error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
      });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};
