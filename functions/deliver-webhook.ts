import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { secretsManagerReader } from '#shared/aws/secrets-manager.ts';
import * as compose from '#shared/compose.ts';
import { eachSqsRecord } from '#shared/events/sqs-batch.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { type DeliveryMessage, deliver } from '#shared/webhooks/delivery.ts';
import { type QueuedDelivery, sqsDeliveryQueue } from '#shared/webhooks/sqs-delivery-queue.ts';
import { nodeWebhookHttp } from '#shared/webhooks/webhook-http.ts';

export const build = (adapters: Adapters) => {
  const rt = compose.webhooks({ webhookHttp: nodeWebhookHttp, ...adapters });
  const queue = sqsDeliveryQueue(adapters.env.AWS_REGION ?? 'us-east-1', rt.config.webhooks);
  /**
   * Delivery queue -> here: one delivery (one subscription, one event) per message. Retries and dead-lettering are
   * decided by `deliver` and sent as new messages; a thrown error (a bug, DynamoDB unavailable) is reported back, so
   * SQS shows the message again and, after a few receives, moves it to the dead-letter queue. The event id is the
   * correlation id of every line.
   */
  return (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
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
        await deliver(rt, message as DeliveryMessage, queue);
      },
    );
};

export const handler = lambdaEntry('deliver-webhook', build, { secrets: secretsManagerReader });
