import {
  DescribeSecretCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';
import { rotateNow, rotationStep } from '../../shared/aws/secret-rotation.ts';
import { acceptedPeppers, pepperSource } from '../../shared/otp/pepper.ts';
import { activeKeys, parseKeyring, rotateKeyring, serializeKeyring } from '../../shared/storage/keyring.ts';
import { SECRET_REFRESH_MS, secretSource } from '../../shared/storage/secret-source.ts';
import { SecretBox, webhookKeySource } from '../../shared/webhooks/secret-box.ts';
import { FakeSecretsManager } from '../support/fake-secrets-manager.ts';

const T0 = new Date('2026-12-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const KEY_A = 'a'.repeat(64);
const KEY_B = 'b'.repeat(64);

describe('keyring', () => {
  it('reads a plain string as version 0, active since ever', () => {
    expect(parseKeyring(KEY_A, 'x').keys).toEqual([
      { id: '0', value: KEY_A, activeFrom: new Date(0).toISOString() },
    ]);
  });

  it('makes a rotated version current only after the activation delay, keeping the old one readable', () => {
    const ring = rotateKeyring(parseKeyring(KEY_A, 'x'), {
      value: KEY_B,
      now: T0,
      activationDelayMs: 600_000,
      keep: 2,
    });
    const reread = parseKeyring(serializeKeyring(ring), 'x');
    expect(activeKeys(reread, at(599_999)).map((k) => k.id)).toEqual(['0']);
    expect(activeKeys(reread, at(600_000)).map((k) => k.id)).toEqual(['1', '0']);
  });

  it('keeps the version in use when a second rotation comes before the first took effect', () => {
    const options = { activationDelayMs: 600_000, keep: 2 };
    const once = rotateKeyring(parseKeyring(KEY_A, 'x'), { ...options, value: KEY_B, now: T0 });
    const twice = rotateKeyring(once, { ...options, value: KEY_B.replace('b', 'c'), now: at(60_000) });
    expect(twice.keys.map((k) => k.id)).toEqual(['0', '1', '2']);
    expect(activeKeys(twice, at(60_000)).map((k) => k.id)).toEqual(['0']);
    // Once the newest is current, a later rotation prunes back to `keep` plus what is still needed.
    const later = rotateKeyring(twice, { ...options, value: KEY_A.replace('a', 'd'), now: at(86_400_000) });
    expect(later.keys.map((k) => k.id)).toEqual(['1', '2', '3']);
    expect(activeKeys(later, at(86_400_000)).map((k) => k.id)).toEqual(['2', '1']);
  });

  it('refuses short or malformed versions', () => {
    expect(() => parseKeyring('short', 'x')).toThrow(/shorter than 32/);
    expect(() => parseKeyring('{"keys":[]}', 'x')).toThrow(/no key/);
    expect(() =>
      parseKeyring(JSON.stringify({ keys: [{ id: 'x', value: KEY_A, activeFrom: 'never' }] }), 'x'),
    ).toThrow(/malformed/);
  });
});

describe('secret source', () => {
  it('re-reads the secret once the refresh period has passed, and keeps the last value if a re-read fails', async () => {
    let now = T0.getTime();
    let value = KEY_A;
    let reads = 0;
    let failing = false;
    const reader = async () => {
      reads++;
      if (failing) throw new Error('throttled');
      return value;
    };
    const read = secretSource({ kind: 'secret', arn: 'arn' }, reader, 'test', { now: () => now });
    expect(await read()).toBe(KEY_A);
    value = KEY_B;
    now += SECRET_REFRESH_MS - 1;
    expect(await read()).toBe(KEY_A);
    expect(reads).toBe(1);
    now += 1;
    expect(await read()).toBe(KEY_B);
    expect(reads).toBe(2);
    failing = true;
    now += SECRET_REFRESH_MS;
    expect(await read()).toBe(KEY_B);
    expect(reads).toBe(3);
  });
});

describe('pepper and sealing key across a rotation', () => {
  const ring = serializeKeyring(
    rotateKeyring(parseKeyring(KEY_A, 'x'), { value: KEY_B, now: T0, activationDelayMs: 600_000, keep: 2 }),
  );

  it('accepts the previous pepper for one OTP lifetime after the new one took over', async () => {
    let now = at(600_000).getTime();
    const source = pepperSource({ kind: 'value', value: ring }, undefined, {
      otpTtlSeconds: 300,
      now: () => now,
    });
    expect((await source()).toString()).toBe(KEY_B);
    expect((await acceptedPeppers(source)).map(String)).toEqual([KEY_B, KEY_A]);
    now += 299_999;
    expect(await acceptedPeppers(source)).toHaveLength(2);
    now += 1;
    expect((await acceptedPeppers(source)).map(String)).toEqual([KEY_B]);
  });

  it('seals under the current version and opens what an older version sealed', async () => {
    let now = T0.getTime();
    const box = new SecretBox(
      webhookKeySource({ kind: 'value', value: ring }, undefined, { now: () => now }),
    );
    const before = await box.seal('s', 'sub');
    expect(before.startsWith('v2.0.')).toBe(true);
    now = at(600_000).getTime();
    expect(await box.isStale(before)).toBe(true);
    const after = await box.seal('s', 'sub');
    expect(after.startsWith('v2.1.')).toBe(true);
    expect(await box.open(before, 'sub')).toBe('s');
    expect(await box.isStale(after)).toBe(false);
  });
});

describe('rotation function (aws-sdk-client-mock)', () => {
  const fake = new FakeSecretsManager();
  afterAll(() => fake.restore());
  const ARN = 'arn:aws:secretsmanager:eu-central-1:111111111111:secret:k';

  it('is idempotent when Secrets Manager retries createSecret, and refuses a token that is not pending', async () => {
    fake.create(ARN, KEY_A);
    await fake.rotate(ARN, 2, () => T0);
    const after = fake.current(ARN);
    // A retried step of a finished rotation changes nothing.
    const versions = (await fake.client.send(new DescribeSecretCommand({ SecretId: ARN })))
      .VersionIdsToStages!;
    const finished = Object.entries(versions).find(([, stages]) => stages.includes('AWSCURRENT'))![0];
    await rotationStep(
      fake.client,
      { Step: 'createSecret', SecretId: ARN, ClientRequestToken: finished },
      { keep: 2 },
    );
    expect(fake.current(ARN)).toBe(after);
    await expect(
      rotationStep(
        fake.client,
        { Step: 'createSecret', SecretId: ARN, ClientRequestToken: 'unknown' },
        { keep: 2 },
      ),
    ).rejects.toThrow(/not a version/);
    const ring = parseKeyring(after, 'x');
    expect(ring.keys.map((k) => k.id)).toEqual(['0', '1']);
    expect(ring.keys[1]!.value).toMatch(/^[A-Za-z0-9]{64}$/);
  });
});

describe('npm run rotate', () => {
  it('asks Secrets Manager to rotate each secret now', async () => {
    const mock = mockClient(SecretsManagerClient);
    try {
      mock
        .on(RotateSecretCommand)
        .callsFake(({ SecretId }) => ({ ARN: SecretId, VersionId: `v-${SecretId}` }));
      expect(await rotateNow(new SecretsManagerClient({ region: 'eu-central-1' }), ['a', 'b'])).toEqual([
        'v-a',
        'v-b',
      ]);
      expect(mock.commandCalls(RotateSecretCommand).map((call) => call.args[0].input)).toEqual([
        { SecretId: 'a', RotateImmediately: true },
        { SecretId: 'b', RotateImmediately: true },
      ]);
    } finally {
      mock.restore();
    }
  });
});
