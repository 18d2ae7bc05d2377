import '#shared/aws/secrets-manager.ts';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { eachSqsRecord } from '#shared/events/sqs-batch.ts';
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
export const handler = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
  eachSqsRecord(
    'deliver-webhook',
    event,
    context,
    (record) => {
      const message = JSON.parse(record.body) as QueuedDelivery;
      return { value: message, correlationId: message.event?.metadata?.id };
    },
    async ({ not_before, ...message }) => {
      if (not_before && Date.parse(not_before) > Date.now()) {
        await queue.postpone({ ...message, not_before });
        return;
      }
      await deliver(runtime(), message as DeliveryMessage, queue);
    },
  );
