import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { SmsMessage, SmsSender } from './sms-port.ts';

/** SNS `Publish` straight to the phone number, as a transactional SMS (higher delivery priority than promotional). */
export class SnsSmsSender implements SmsSender {
  constructor(
    private readonly client: SNSClient,
    private readonly senderId?: string,
  ) {}

  async send(message: SmsMessage): Promise<void> {
    await this.client.send(
      new PublishCommand({
        PhoneNumber: message.to,
        Message: message.text,
        MessageAttributes: {
          'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
          ...(this.senderId
            ? { 'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: this.senderId } }
            : {}),
        },
      }),
    );
  }
}
