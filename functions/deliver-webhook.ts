import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { secretsManagerReader } from '#shared/aws/secrets-manager.ts';
import { type Adapters, compose, lambdaEntry } from '#shared/compose.ts';
import { logger } from '#shared/logging.ts';
import { type DeliveryMessage, deliver } from '#shared/webhooks/delivery.ts';
import { type QueuedDelivery, sqsDeliveryQueue } from '#shared/webhooks/sqs-delivery-queue.ts';
import { nodeWebhookHttp } from '#shared/webhooks/webhook-http.ts';

export const build = (adapters: Adapters) => {
  const rt = compose.webhooks({ webhookHttp: nodeWebhookHttp, ...adapters });
  const queue = sqsDeliveryQueue(adapters.env.AWS_REGION ?? 'us-east-1', rt.config.webhooks);
  /**
   * Delivery queue -> here: one delivery (one subscription, one event) per message. Retries and dead-lettering are
   * decided by `deliver` and sent as new messages; a thrown error (a bug, DynamoDB unavailable) is reported back, so
   * SQS shows the message again and, after a few receives, moves it to the dead-letter queue.
   */
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      try {
        const { not_before, ...message } = JSON.parse(record.body) as QueuedDelivery;
        if (not_before && Date.parse(not_before) > Date.now()) {
          await queue.postpone({ ...message, not_before });
          continue;
        }
        await deliver(rt, message as DeliveryMessage, queue);
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
};

export const handler = lambdaEntry('deliver-webhook', build, { secrets: secretsManagerReader });
