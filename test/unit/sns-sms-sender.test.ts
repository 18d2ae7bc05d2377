import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { SnsSmsSender } from '../../shared/sms/sns-sms-sender.ts';

describe('SnsSmsSender', () => {
  it('publishes a transactional SMS straight to the phone number, with the sender id when set', async () => {
    const sns = mockClient(SNSClient);
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const message = {
      to: '+4915123456789',
      text: 'hello',
      language: 'en' as const,
      templateKey: 'sms.two_factor.authenticate' as const,
    };
    await new SnsSmsSender(new SNSClient({ region: 'eu-central-1' }), 'MyBank').send(message);
    await new SnsSmsSender(new SNSClient({ region: 'eu-central-1' })).send(message);
    const [withId, withoutId] = sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
    expect(withId).toEqual({
      PhoneNumber: '+4915123456789',
      Message: 'hello',
      MessageAttributes: {
        'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
        'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: 'MyBank' },
      },
    });
    expect(withoutId?.MessageAttributes).not.toHaveProperty(['AWS.SNS.SMS.SenderID']);
    expect(withoutId).not.toHaveProperty('TopicArn');
    sns.restore();
  });

  it('lets a publish failure surface', async () => {
    const sns = mockClient(SNSClient);
    sns.on(PublishCommand).rejects(new Error('throttled'));
    const sender = new SnsSmsSender(new SNSClient({ region: 'eu-central-1' }));
    await expect(
      sender.send({
        to: '+4915123456789',
        text: 'x',
        language: 'en',
        templateKey: 'sms.two_factor.authenticate',
      }),
    ).rejects.toThrow('throttled');
    sns.restore();
  });
});
