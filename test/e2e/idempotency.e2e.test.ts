import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TestClock, uniquePerson, useService } from '../support/fixture.ts';

const clock = new TestClock();

const fixture = useService({ clock });
const api = fixture.api;

const path = (person: string, suffix = '') => `/v1/persons/${person}/mobile_number${suffix}`;
let serial = 0;
const freshNumber = () =>
  `+4915123${String(Date.now() % 10000).padStart(4, '0')}${String(serial++ % 100).padStart(2, '0')}`;

/** SMS to `to` as the local outbox shows them (GET /_local/sms). */
async function smsTo(to: string): Promise<number> {
  return (await fixture.outbox()).filter((sms) => sms.to === to).length;
}

async function registered() {
  const person = uniquePerson();
  const number = freshNumber();
  const created = await api.post(path(person), { number });
  expect(created.status).toBe(201);
  return { person, number: created.body.number as string };
}

describe('Idempotency-Key on authorize', () => {
  it('runs 20 parallel retries with one key exactly once: one SMS, the rest the stored answer or 409', async () => {
    const { person, number } = await registered();
    const key = randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        api.post(path(person, '/authorize'), { number }, { 'Idempotency-Key': key }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    for (const conflict of answers.filter((a) => a.status === 409)) {
      expect(conflict.body.errors[0].code).toBe('idempotency_request_in_progress');
    }
    const first = answers.find((a) => a.status === 201 && !a.headers.get('idempotent-replayed'))!;
    expect(first).toBeDefined();
    for (const replay of answers.filter((a) => a.status === 201)) expect(replay.body).toEqual(first.body);
    expect(await smsTo(number)).toBe(1);
    // Once the first has answered, a retry gets its answer, marked as replayed, and still sends nothing.
    const late = await api.post(path(person, '/authorize'), { number }, { 'Idempotency-Key': key });
    expect(late.status).toBe(201);
    expect(late.headers.get('idempotent-replayed')).toBe('true');
    expect(late.body).toEqual(first.body);
    expect(await smsTo(number)).toBe(1);
  });

  it('answers 422 idempotency_key_reused for the same key with another body, and sends nothing', async () => {
    const { person, number } = await registered();
    const key = randomUUID();
    expect((await api.post(path(person, '/authorize'), { number }, { 'Idempotency-Key': key })).status).toBe(
      201,
    );
    const other = await api.post(
      path(person, '/authorize'),
      { number, device_data: 'x' },
      { 'Idempotency-Key': key },
    );
    expect(other.status).toBe(422);
    expect(other.body.errors[0]).toMatchObject({ status: 422, code: 'idempotency_key_reused' });
    expect(await smsTo(number)).toBe(1);
  });

  it('refuses a key over 255 characters or not printable ASCII with 400, and sends nothing', async () => {
    const { person, number } = await registered();
    for (const key of ['k'.repeat(256), 'tab\there']) {
      const answer = await api.post(path(person, '/authorize'), { number }, { 'Idempotency-Key': key });
      expect(answer.status).toBe(400);
      expect(answer.body.errors[0].source.field).toBe('Idempotency-Key');
    }
    expect(await smsTo(number)).toBe(0);
    const longest = await api.post(
      path(person, '/authorize'),
      { number },
      { 'Idempotency-Key': 'k'.repeat(255) },
    );
    expect(longest.status).toBe(201);
  });

  it('stores a 4xx answer: a retry of a refused request is refused again without running', async () => {
    const person = uniquePerson();
    const key = randomUUID();
    const first = await api.post(
      path(person, '/authorize'),
      { number: '+4915100000000' },
      { 'Idempotency-Key': key },
    );
    expect(first.status).toBe(404);
    const again = await api.post(
      path(person, '/authorize'),
      { number: '+4915100000000' },
      { 'Idempotency-Key': key },
    );
    expect(again.status).toBe(404);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
  });

  it('forgets a key after 24 hours: the same request then runs again', async () => {
    const { person, number } = await registered();
    const key = randomUUID();
    expect((await api.post(path(person, '/authorize'), { number }, { 'Idempotency-Key': key })).status).toBe(
      201,
    );
    clock.advance(24 * 3600 - 5);
    const within = await api.post(path(person, '/authorize'), { number }, { 'Idempotency-Key': key });
    expect(within.headers.get('idempotent-replayed')).toBe('true');
    expect(await smsTo(number)).toBe(1);
    clock.advance(10);
    const after = await api.post(path(person, '/authorize'), { number }, { 'Idempotency-Key': key });
    expect(after.status).toBe(201);
    expect(after.headers.get('idempotent-replayed')).toBeNull();
    expect(await smsTo(number)).toBe(2);
  });

  it('without the header, each request runs (two SMS)', async () => {
    const { person, number } = await registered();
    expect((await api.post(path(person, '/authorize'), { number })).status).toBe(201);
    expect((await api.post(path(person, '/authorize'), { number })).status).toBe(201);
    expect(await smsTo(number)).toBe(2);
  });
});
