import { describe, expect, it } from 'vitest';
import { planBudgetCharge } from '../../shared/codes/one-time-code.ts';
import { buildEvent } from '../../shared/events/event.ts';
import { PaymentAuthorizationFailed } from '../../shared/events/payment-events.ts';
import { termsDigest } from '../../shared/payments/canonical.ts';
import {
  type PaymentAuthorizationRecord,
  PaymentAuthorizationStore,
} from '../../shared/payments/dynamo-payment-authorization-store.ts';
import { GuessBudget } from '../../shared/quota/guess-budget.ts';
import { testRuntime, uniquePerson } from '../support/harness.ts';

const now = new Date('2026-12-03T10:00:00Z');
let next = 0;

async function storeWithAuthorization() {
  const { runtime } = await testRuntime();
  const store = new PaymentAuthorizationStore(
    runtime.db,
    runtime.config.tableName,
    new GuessBudget(runtime.db, runtime.config.tableName, 30),
  );
  const id = `${String(next++).padStart(32, '0')}pauth`;
  const terms = {
    amount: { value: 100, currency: 'EUR' },
    payee: { name: 'Shop', account_reference: 'R-1' },
  };
  const record: PaymentAuthorizationRecord = {
    id,
    personId: uniquePerson(),
    method: 'sms',
    ...terms,
    digest: termsDigest(id, terms),
    status: 'CONFIRMATION_REQUIRED',
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    expiresAtMs: now.getTime() + 300_000,
    attempts: 0,
    otpId: 'otp-1',
    otpHash: 'hash',
  };
  const event = buildEvent(
    PaymentAuthorizationFailed,
    {
      authorization_id: id,
      person_id: record.personId,
      method: 'sms',
      amount: terms.amount,
      payee: terms.payee,
      digest: record.digest,
      reason: 'expired',
    },
    now,
  );
  expect(await store.create(record, event, now)).toBe(true);
  return {
    store,
    record,
    event: () => ({ ...event, metadata: { ...event.metadata, id: crypto.randomUUID() } }),
  };
}

describe('PaymentAuthorizationStore on DynamoDB Local', () => {
  it("round-trips the record (it holds the TAN's HMAC, never the TAN)", async () => {
    const { store, record } = await storeWithAuthorization();
    expect(await store.get(record.id)).toEqual(record);
  });

  it('closes an open authorization once: a second close writes nothing (no second FAILED event)', async () => {
    const { store, record, event } = await storeWithAuthorization();
    await store.close(record, 'EXPIRED', 'expired', event(), now);
    const closed = await store.get(record.id);
    expect(closed).toMatchObject({ status: 'EXPIRED', failureReason: 'expired' });
    await store.close(record, 'FAILED', 'attempts_exhausted', event(), now);
    expect(await store.get(record.id)).toEqual(closed);
  });

  it('charges wrong answers, fails on the one that reads the last attempt, and then completes nothing', async () => {
    const { store, record, event } = await storeWithAuthorization();
    const charge = async () => {
      const loaded = await store.loadTanCheck(record.id, record.personId);
      return { authorization: loaded.authorization!, charge: planBudgetCharge(loaded.budget!, 30, now) };
    };
    for (let attempt = 1; attempt <= 3; attempt++) {
      const read = await charge();
      const outcome = await store.commitTan({
        ...read,
        answer: 'wrong',
        maxAttempts: 3,
        verifiedNumber: 'number-1',
        ...(attempt === 3 ? { failure: event() } : {}),
        now,
      });
      expect(outcome).toBe('committed');
    }
    expect(await store.get(record.id)).toMatchObject({
      status: 'FAILED',
      attempts: 3,
      failureReason: 'attempts_exhausted',
    });
    const late = await charge();
    expect(late.authorization.status).toBe('FAILED');
    const outcome = await store.commitTan({
      ...late,
      answer: 'right',
      maxAttempts: 3,
      verifiedNumber: 'number-1',
      completion: { receipt: 'r', event: event() },
      now,
    });
    expect(outcome).toBe('code_changed');
    expect((await store.get(record.id))!.receipt).toBeUndefined();
  });

  it('refuses a wrong answer charged against a stale read of the last attempt', async () => {
    const { store, record, event } = await storeWithAuthorization();
    const loaded = await store.loadTanCheck(record.id, record.personId);
    const stale = { ...loaded.authorization!, attempts: 2 };
    const outcome = await store.commitTan({
      authorization: stale,
      charge: planBudgetCharge(loaded.budget!, 30, now),
      answer: 'wrong',
      maxAttempts: 3,
      verifiedNumber: 'number-1',
      failure: event(),
      now,
    });
    expect(outcome).toBe('code_changed');
    expect(await store.get(record.id)).toMatchObject({ status: 'CONFIRMATION_REQUIRED', attempts: 0 });
  });
});
