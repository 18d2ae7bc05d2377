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
  const numberRecord = (id: string, number: string) => {
    const now = new Date();
    return {
      id,
      personId: uniquePerson(),
      number,
      verified: false,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
  };
  const event = (now: Date) => ({
    metadata: { id: crypto.randomUUID(), type: 'T', version: 1, time: now.toISOString() },
    data: {},
  });
  const code = (boundTo: string, now: Date) => ({
    id: 'o1',
    boundTo,
    secret: 'ab',
    expiresAtMs: now.getTime() + 60_000,
    attempts: 0,
  });
  const noSms = {
    message: { to: '', text: '', language: 'en' as const, templateKey: 'x' as never },
    writes: [],
  };

  it('commits at most the attempt limit of any number of concurrent wrong answers', async () => {
    const { runtime } = await testRuntime();
    const now = new Date();
    const record = numberRecord('n1', '+4915144444444');
    await runtime.mobileNumbers.create(record, undefined, event(now));
    const pending = code('n1', now);
    expect(
      await runtime.mobileNumbers.save({
        number: record,
        code: pending,
        sms: noSms,
        deviceData: undefined,
        now,
      }),
    ).toBe('saved');
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, (_, slot) =>
        runtime.mobileNumbers.commit({
          number: record,
          code: pending,
          answer: 'wrong',
          charge: { slot, cutoff: now.getTime() - 1, at: now.getTime() },
          maxAttempts: 5,
          deviceData: undefined,
          now,
          verifiedEvent: event(now),
        }),
      ),
    );
    expect(outcomes.filter((o) => o === 'committed')).toHaveLength(5);
    expect(outcomes.filter((o) => o === 'code_changed')).toHaveLength(25);
    const loaded = await runtime.mobileNumbers.loadConfirmation(record.personId);
    expect(loaded.code?.attempts).toBe(5);
    // Only committed checks took a unit of the budget.
    expect(loaded.budget?.filter((time) => time > 0)).toHaveLength(5);
  });

  it('does not store an OTP for a number that was replaced', async () => {
    const { runtime } = await testRuntime();
    const now = new Date();
    const record = numberRecord('old', '+4915155555555');
    const saved = await runtime.mobileNumbers.save({
      number: record,
      code: code('old', now),
      sms: noSms,
      deviceData: undefined,
      now,
    });
    expect(saved).toBe('number_changed');
  });
});
