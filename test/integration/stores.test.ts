import { describe, expect, it } from 'vitest';
import { SmsQuotaStore } from '../../shared/quota/sms-quota-store.ts';
import { testRuntime, uniquePerson } from '../support/harness.ts';

describe('SmsQuotaStore on DynamoDB Local', () => {
  it('grants exactly the limit to concurrent senders', async () => {
    const { runtime } = await testRuntime();
    const quota = new SmsQuotaStore(runtime.db, runtime.config.tableName, 10);
    const now = new Date('2026-11-22T10:00:00Z');
    const decisions = await Promise.all(
      Array.from({ length: 25 }, () => quota.consume('+4915111111111', now)),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
  });

  it('is a rolling hour: a slot frees exactly one hour after its SMS', async () => {
    const { runtime } = await testRuntime();
    const quota = new SmsQuotaStore(runtime.db, runtime.config.tableName, 3);
    const t0 = Date.parse('2026-11-22T10:00:00Z');
    const at = (minutes: number) => new Date(t0 + minutes * 60_000);
    expect((await quota.consume('+4915122222222', at(0))).allowed).toBe(true);
    expect((await quota.consume('+4915122222222', at(20))).allowed).toBe(true);
    expect((await quota.consume('+4915122222222', at(40))).allowed).toBe(true);
    const refused = await quota.consume('+4915122222222', at(50));
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 600 });
    expect((await quota.consume('+4915122222222', at(60.01))).allowed).toBe(true);
    expect((await quota.consume('+4915122222222', at(61))).allowed).toBe(false);
    expect((await quota.consume('+4915133333333', at(61))).allowed).toBe(true);
  });
});

describe('MobileNumberStore on DynamoDB Local', () => {
  it('charges at most the attempt limit to any number of concurrent attempts', async () => {
    const { runtime } = await testRuntime();
    const now = new Date();
    const record = {
      id: 'n1',
      personId: uniquePerson(),
      number: '+4915144444444',
      verified: false,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    const event = {
      metadata: { id: crypto.randomUUID(), type: 'T', version: 1, time: now.toISOString() },
      data: {},
    };
    await runtime.mobileNumbers.create(record, undefined, event);
    const saved = await runtime.mobileNumbers.saveOtp(
      record,
      { otpId: 'o1', mobileNumberId: 'n1', hash: 'ab', expiresAtMs: now.getTime() + 60_000 },
      undefined,
      now,
    );
    expect(saved).toBe('saved');
    const attempts = await Promise.all(
      Array.from({ length: 30 }, () => runtime.mobileNumbers.takeOtpAttempt(record.personId, now, 5)),
    );
    expect(attempts.filter(Boolean)).toHaveLength(5);
    expect(new Set(attempts.filter(Boolean).map((a) => a!.attempts))).toEqual(new Set([1, 2, 3, 4, 5]));
  });

  it('does not store an OTP for a number that was replaced', async () => {
    const { runtime } = await testRuntime();
    const now = new Date();
    const record = {
      id: 'old',
      personId: uniquePerson(),
      number: '+4915155555555',
      verified: false,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    const saved = await runtime.mobileNumbers.saveOtp(
      record,
      { otpId: 'o1', mobileNumberId: 'old', hash: 'ab', expiresAtMs: now.getTime() + 60_000 },
      undefined,
      now,
    );
    expect(saved).toBe('number_changed');
  });
});
