import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { onFirstUse } from '../../shared/aws/on-first-use.ts';
import { secretsManagerReader } from '../../shared/aws/secrets-manager.ts';
import { snsSmsSender } from '../../shared/aws/sns.ts';

const sns = mockClient(SNSClient);
const secrets = mockClient(SecretsManagerClient);
afterEach(() => {
  sns.reset();
  secrets.reset();
});

describe('onFirstUse', () => {
  it('makes the value once, however many uses wait for it', async () => {
    let made = 0;
    const value = onFirstUse(async () => ++made);
    expect(await Promise.all([value(), value(), value()])).toEqual([1, 1, 1]);
    expect(await value()).toBe(1);
    expect(made).toBe(1);
  });

  it('keeps no failure: the next use makes it again', async () => {
    let attempts = 0;
    const value = onFirstUse(async () => {
      attempts++;
      if (attempts === 1) throw new Error('not yet');
      return 'ready';
    });
    await expect(value()).rejects.toThrow('not yet');
    expect(await value()).toBe('ready');
    expect(attempts).toBe(2);
  });
});

describe('the adapters that load their SDK client on first use', () => {
  it('SNS: the first SMS loads the client and publishes; later SMS reuse it', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const sender = snsSmsSender('eu-central-1', 'Bank');
    await sender.send({
      to: '+4915123456789',
      text: 'one',
      language: 'en',
      templateKey: 'sms.two_factor.authenticate',
    });
    await sender.send({
      to: '+4915123456789',
      text: 'two',
      language: 'en',
      templateKey: 'sms.two_factor.authenticate',
    });
    const calls = sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
    expect(calls.map((input) => input.Message)).toEqual(['one', 'two']);
    expect(calls[0]!.MessageAttributes?.['AWS.SNS.SMS.SenderID']?.StringValue).toBe('Bank');
    // One client sent both: the second SMS made none of its own.
    const clients = sns.commandCalls(PublishCommand).map((call) => call.thisValue);
    expect(clients[0]).toBeInstanceOf(SNSClient);
    expect(clients[1]).toBe(clients[0]);
  });

  it("Secrets Manager: reads the secret's string by ARN; a read that failed throws, and the next asks again", async () => {
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(new Error('throttled'))
      .resolves({ SecretString: 'pepper-value' });
    const read = secretsManagerReader('eu-central-1');
    await expect(read('arn:aws:secretsmanager:eu-central-1:1:secret:p')).rejects.toThrow('throttled');
    expect(await read('arn:aws:secretsmanager:eu-central-1:1:secret:p')).toBe('pepper-value');
    const calls = secrets.commandCalls(GetSecretValueCommand);
    expect(calls.map((call) => call.args[0].input.SecretId)).toEqual([
      'arn:aws:secretsmanager:eu-central-1:1:secret:p',
      'arn:aws:secretsmanager:eu-central-1:1:secret:p',
    ]);
    expect(calls[1]!.thisValue).toBe(calls[0]!.thisValue);
  });
});
