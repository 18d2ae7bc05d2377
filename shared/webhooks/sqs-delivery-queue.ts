import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { WebhookConfig } from '../config.ts';
import type { DeliveryMessage, DeliveryQueue } from './delivery.ts';

/** SQS delays a message by at most 15 minutes; longer waits are walked in steps (see `not_before`). */
export const SQS_MAX_DELAY_SECONDS = 900;

/** A delivery message as it travels through SQS: with the time before which it must not be attempted. */
export interface QueuedDelivery extends DeliveryMessage {
  not_before?: string;
}

/**
 * AWS: every (subscription, event) delivery is its own SQS message. A retry is a new message with the next attempt
 * number, delayed by SQS up to 15 minutes; a longer backoff carries `not_before`, and the delivery function puts a
 * message that arrives early back with the remaining delay instead of attempting it.
 */
export class SqsDeliveryQueue implements DeliveryQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly deadLetterQueueUrl: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async enqueue(messages: readonly DeliveryMessage[], delaySeconds: number): Promise<void> {
    const notBefore = new Date(this.now().getTime() + delaySeconds * 1000).toISOString();
    const delay = Math.min(Math.ceil(delaySeconds), SQS_MAX_DELAY_SECONDS);
    for (let start = 0; start < messages.length; start += 10) {
      const chunk = messages.slice(start, start + 10);
      const result = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: chunk.map((message, index) => ({
            Id: String(index),
            MessageBody: JSON.stringify({
              ...message,
              ...(delaySeconds > 0 ? { not_before: notBefore } : {}),
            }),
            DelaySeconds: delay,
          })),
        }),
      );
      if (result.Failed?.length) {
        throw new Error(`SQS refused ${result.Failed.length} delivery message(s): ${result.Failed[0]!.Code}`);
      }
    }
  }

  /** Puts a message that arrived before its `not_before` back for the remaining time. */
  async postpone(message: QueuedDelivery): Promise<void> {
    const remaining = Math.max(0, (Date.parse(message.not_before!) - this.now().getTime()) / 1000);
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(message),
        DelaySeconds: Math.min(Math.ceil(remaining), SQS_MAX_DELAY_SECONDS),
      }),
    );
  }

  async deadLetter(message: DeliveryMessage, reason: string): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.deadLetterQueueUrl,
        MessageBody: JSON.stringify({ ...message, dead_letter_reason: reason }),
      }),
    );
  }
}

/** The delivery functions' queue, from configuration (WEBHOOK_DELIVERY_QUEUE_URL, WEBHOOK_DEAD_LETTER_QUEUE_URL). */
export function sqsDeliveryQueue(region: string, config: WebhookConfig): SqsDeliveryQueue {
  const { deliveryQueueUrl, deadLetterQueueUrl } = config;
  if (!deliveryQueueUrl || !deadLetterQueueUrl) {
    throw new Error(
      'Invalid configuration: WEBHOOK_DELIVERY_QUEUE_URL and WEBHOOK_DEAD_LETTER_QUEUE_URL are required',
    );
  }
  return new SqsDeliveryQueue(new SQSClient({ region }), deliveryQueueUrl, deadLetterQueueUrl);
}
