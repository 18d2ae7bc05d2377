import { afterAll, describe, expect, it } from 'vitest';
// The deployed read path: the Secrets Manager adapter on the real SDK client (answered by the fake below).
import { secretsManagerReader } from '../../shared/aws/secrets-manager.ts';
import type { DomainEvent } from '../../shared/events/event.ts';
import {
  authorizeMobileNumber,
  confirmMobileNumber,
  createMobileNumber,
} from '../../shared/mobile-number/use-cases.ts';
import { acceptedPeppers } from '../../shared/otp/pepper.ts';
import { parseKeyring } from '../../shared/storage/keyring.ts';
import { KEY_ACTIVATION_DELAY_MS } from '../../shared/storage/secret-source.ts';
import { type DeliveryMessage, type DeliveryQueue, deliver } from '../../shared/webhooks/delivery.ts';
import { signBody } from '../../shared/webhooks/signature.ts';
import type { WebhookPost } from '../../shared/webhooks/webhook-http.ts';
import { FakeSecretsManager } from '../support/fake-secrets-manager.ts';
import { TestClock, testRuntime, uniquePerson } from '../support/harness.ts';

const PEPPER_ARN = 'arn:aws:secretsmanager:eu-central-1:111111111111:secret:pepper-AbCdEf';
const WEBHOOK_KEY_ARN = 'arn:aws:secretsmanager:eu-central-1:111111111111:secret:webhook-key-AbCdEf';
const secretsManager = new FakeSecretsManager();
afterAll(() => secretsManager.restore());

/** A stage as deployed: both secrets in Secrets Manager, as CloudFormation generated them (plain strings). */
async function deployedStage() {
  secretsManager.create(PEPPER_ARN, 'p'.repeat(64));
  secretsManager.create(WEBHOOK_KEY_ARN, 'w'.repeat(64));
  const clock = new TestClock();
  const { runtime, outbox } = await testRuntime({
    clock,
    readSecret: secretsManagerReader('eu-central-1'),
    env: { OTP_PEPPER_SECRET_ARN: PEPPER_ARN, WEBHOOK_SECRET_KEY_ARN: WEBHOOK_KEY_ARN },
  });
  const lastOtp = () => /\b(\d{6})\b/.exec(outbox.entries.at(-1)!.text)![1]!;
  return { runtime, clock, lastOtp };
}

const NUMBER = '+4915123456789';
const minutes = (n: number) => n * 60;

describe('OTP pepper rotation (Secrets Manager rotation function, DynamoDB Local)', () => {
  it('confirms an OTP issued before the new pepper took over, after it took over', async () => {
    const { runtime, clock, lastOtp } = await deployedStage();
    const personId = uniquePerson();
    await createMobileNumber(runtime, { personId, number: NUMBER });

    await secretsManager.rotate(PEPPER_ARN, 2, () => clock.now());
    const ring = parseKeyring(secretsManager.current(PEPPER_ARN), 'pepper');
    expect(ring.keys.map((key) => key.id)).toEqual(['0', '1']);

    // Just before the new version becomes current: the OTP is hashed with the old one.
    clock.advance(KEY_ACTIVATION_DELAY_MS / 1000 - 30);
    await authorizeMobileNumber(runtime, { personId, number: NUMBER });
    const otp = lastOtp();
    // The new version is current now; the OTP is 60 s old and still valid.
    clock.advance(60);
    expect(await acceptedPeppers(runtime.pepper)).toHaveLength(2);
    expect((await runtime.pepper()).toString()).toBe(ring.keys[1]!.value);
    await expect(
      confirmMobileNumber(runtime, { personId, number: NUMBER, token: otp }),
    ).resolves.toMatchObject({
      verified: true,
    });
  });

  it('hashes new OTPs with the new pepper and stops accepting the old one after one OTP lifetime', async () => {
    const { runtime, clock, lastOtp } = await deployedStage();
    const personId = uniquePerson();
    await createMobileNumber(runtime, { personId, number: NUMBER });
    await secretsManager.rotate(PEPPER_ARN, 2, () => clock.now());
    clock.advance(KEY_ACTIVATION_DELAY_MS / 1000 + runtime.config.otpTtlSeconds + 1);
    expect(await acceptedPeppers(runtime.pepper)).toHaveLength(1);
    await authorizeMobileNumber(runtime, { personId, number: NUMBER });
    await expect(
      confirmMobileNumber(runtime, { personId, number: NUMBER, token: lastOtp() }),
    ).resolves.toMatchObject({ verified: true });
  });

  it('keeps two versions of the pepper however often it rotates, but never drops the one in use', async () => {
    const { clock } = await deployedStage();
    const ids = () => parseKeyring(secretsManager.current(PEPPER_ARN), 'pepper').keys.map((key) => key.id);
    // Three rotations before any took effect: version 0 is still the one every OTP is hashed with.
    for (let i = 0; i < 3; i++) await secretsManager.rotate(PEPPER_ARN, 2, () => clock.now());
    expect(ids()).toEqual(['0', '1', '2', '3']);
    // Once they are current, the next rotation prunes back to the current version and the one before it.
    clock.advance(KEY_ACTIVATION_DELAY_MS / 1000 + 86_400);
    await secretsManager.rotate(PEPPER_ARN, 2, () => clock.now());
    expect(ids()).toEqual(['2', '3', '4']);
  });
});

describe('webhook sealing key rotation (DynamoDB Local)', () => {
  const event: DomainEvent = {
    metadata: {
      id: 'event-1',
      type: 'PERSON_MOBILE_NUMBER_CREATED',
      version: 1,
      time: '2026-11-22T10:00:00.000Z',
    },
    data: { id: 'n1' },
  };
  const queue: DeliveryQueue = { enqueue: async () => {}, deadLetter: async () => {} };

  it('delivers signed for a subscription created before two rotations, and re-seals it under the current key', async () => {
    const { runtime, clock } = await deployedStage();
    const posts: WebhookPost[] = [];
    runtime.webhookHttp = {
      resolve: async () => [{ address: '93.184.216.34', family: 4 }],
      post: async (request) => {
        posts.push(request);
        return { status: 200 };
      },
    };
    const sealed = await runtime.webhookSecrets.seal('s3cret', 'sub1');
    expect(sealed.startsWith('v2.0.')).toBe(true);
    await runtime.webhooks.create(
      {
        id: 'sub1',
        eventType: event.metadata.type,
        url: 'https://hooks.example.test/in',
        sealedSecret: sealed,
        createdAt: clock.now().toISOString(),
      },
      10,
    );

    for (let i = 0; i < 2; i++) {
      await secretsManager.rotate(WEBHOOK_KEY_ARN, Number.POSITIVE_INFINITY, () => clock.now());
      clock.advance(KEY_ACTIVATION_DELAY_MS / 1000 + minutes(1));
    }
    expect(parseKeyring(secretsManager.current(WEBHOOK_KEY_ARN), 'webhook').keys.map((k) => k.id)).toEqual([
      '0',
      '1',
      '2',
    ]);

    const message: DeliveryMessage = {
      subscription_id: 'sub1',
      event,
      attempt: 1,
      first_attempt_at: clock.now().toISOString(),
    };
    await expect(deliver(runtime, message, queue)).resolves.toMatchObject({ outcome: 'delivered' });
    expect(posts).toHaveLength(1);
    expect(posts[0]!.headers['Solaris-Webhook-Signature']).toBe(signBody('s3cret', posts[0]!.body));

    // Re-sealed lazily under version 2; the next delivery opens that and signs the same way.
    const resealed = (await runtime.webhooks.get('sub1'))!.sealedSecret;
    expect(resealed.startsWith('v2.2.')).toBe(true);
    expect(await runtime.webhookSecrets.open(resealed, 'sub1')).toBe('s3cret');
    await deliver(runtime, { ...message, attempt: 2 }, queue);
    expect(posts[1]!.headers['Solaris-Webhook-Signature']).toBe(signBody('s3cret', posts[1]!.body));
  });
});
