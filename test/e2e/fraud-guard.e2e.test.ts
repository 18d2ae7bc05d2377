import { describe, expect, it } from 'vitest';
import { LEVEL_RULES } from '../../shared/fraud-guard/model.ts';
import { type Fixture, TestClock, uniquePerson, useService } from '../support/fixture.ts';

/**
 * The fraud guard against SMS pumping, through the HTTP APIs on DynamoDB Local: the prefix guard (block, refusal in
 * both error shapes, event, operator list and lift, expiry), the caps per partner client and the global cap.
 */

const FLOOR = LEVEL_RULES.standard.floor;

/** The n-th number of a German mobile range: `+49 1511 0000001`, `+49 1511 0000002`... (prefix 491511). */
const numberIn = (range: string, n: number) => `+49${range}${String(n).padStart(7, '0')}`;

/** A fresh person with `number`, and the partner's authorize answer (the verification SMS). */
async function authorize(f: Fixture, number: string, token?: string) {
  const api = token ? f.withToken(token) : f.partner();
  const person = uniquePerson();
  const created = await api.post(`/v1/persons/${person}/mobile_number`, { number });
  expect(created.status).toBe(201);
  const answer = await api.post(`/v1/persons/${person}/mobile_number/authorize`, { number });
  return { person, answer };
}

async function confirm(f: Fixture, person: string, number: string) {
  const answer = await f
    .partner()
    .post(`/v1/persons/${person}/mobile_number/confirm`, { number, token: await f.lastSms(number) });
  expect(answer.status).toBe(201);
}

const partnerToken = (f: Fixture, clientId: string) => f.issuer.mint({ kind: 'partner', clientId });

describe('prefix guard (standard level)', () => {
  const clock = new TestClock();
  const f = useService({ clock, env: { SMS_FRAUD_PROTECTION: 'standard' } });

  it('blocks a prefix whose codes go unconfirmed, refusing in both APIs without naming a threshold', async () => {
    for (let n = 1; n <= FLOOR; n++) {
      expect((await authorize(f, numberIn('1511', n))).answer.status).toBe(201);
    }
    const refused = (await authorize(f, numberIn('1511', FLOOR + 1))).answer;
    expect(refused.status).toBe(403);
    expect(refused.body.errors).toEqual([
      expect.objectContaining({
        status: 403,
        code: 'sms_destination_blocked',
        title: 'SMS Destination Blocked',
      }),
    ]);
    expect(refused.body.errors[0].detail).not.toMatch(/\d/);
    expect((await f.outbox()).filter((sms) => sms.to.startsWith('+491511'))).toHaveLength(FLOOR);

    // The end-user API refuses the same range in Zitadel's shape.
    const person = uniquePerson();
    const mine = await f.user(person).put('/auth/v1/users/me/phone', { phone: numberIn('1511', 500) });
    expect(mine.status).toBe(403);
    expect(mine.body).toEqual({
      code: 7,
      message: expect.stringContaining('SMS pumping'),
      details: [expect.objectContaining({ id: 'sms_destination_blocked' })],
    });
    expect(mine.body.message).not.toMatch(/\d/);

    // Other ranges are untouched.
    expect((await authorize(f, numberIn('1701', 1))).answer.status).toBe(201);

    const event = await f.event('SMS_PREFIX_BLOCKED', (data) => data.prefix === '491511');
    expect(event.data).toMatchObject({ prefix: '491511', country: 'DE', level: 'standard' });
    const listed = await f.operator().get('/v1/operator/sms_prefix_blocks');
    expect(listed.status).toBe(200);
    expect(listed.body.data).toEqual([
      expect.objectContaining({
        prefix: '491511',
        country: 'DE',
        level: 'standard',
        blocked_at: clock.now().toISOString(),
        expires_at: new Date(clock.now().getTime() + LEVEL_RULES.standard.blockMs).toISOString(),
      }),
    ]);
  });

  it('keeps a busy prefix open while its customers confirm', { timeout: 120_000 }, async () => {
    for (let n = 1; n <= 3 * FLOOR; n++) {
      const number = numberIn('1521', n);
      const { person, answer } = await authorize(f, number);
      expect(answer.status).toBe(201);
      await confirm(f, person, number);
    }
  });

  it('lets an operator lift a block, and only an operator', async () => {
    for (let n = 1; n <= FLOOR; n++) await authorize(f, numberIn('1512', n));
    expect((await authorize(f, numberIn('1512', 99))).answer.status).toBe(403);

    expect((await f.partner().delete('/v1/operator/sms_prefix_blocks/491512')).status).toBe(403);
    expect((await f.partner().get('/v1/operator/sms_prefix_blocks')).status).toBe(403);
    expect((await f.operator().delete('/v1/operator/sms_prefix_blocks/+491512')).status).toBe(400);

    expect((await f.operator().delete('/v1/operator/sms_prefix_blocks/491512')).status).toBe(204);
    const listed = (await f.operator().get('/v1/operator/sms_prefix_blocks')).body.data;
    expect(listed.map((block: { prefix: string }) => block.prefix)).not.toContain('491512');
    const lifted = await f.event('SMS_PREFIX_BLOCK_LIFTED', (data) => data.prefix === '491512');
    expect(lifted.data).toMatchObject({ operator: 'local-operator' });

    // The codes that caused the block are accepted; new unconverted ones on top of them block again.
    for (let n = 100; n < 100 + FLOOR; n++) {
      expect((await authorize(f, numberIn('1512', n))).answer.status).toBe(201);
    }
    expect((await authorize(f, numberIn('1512', 200))).answer.status).toBe(403);
    expect((await f.operator().delete('/v1/operator/sms_prefix_blocks/491513')).status).toBe(404);
  });

  it('lets a block expire on its own', async () => {
    clock.advance(LEVEL_RULES.standard.blockMs / 1000 - 60);
    expect((await authorize(f, numberIn('1511', 300))).answer.status).toBe(403);
    clock.advance(61);
    expect((await authorize(f, numberIn('1511', 301))).answer.status).toBe(201);
    const listed = (await f.operator().get('/v1/operator/sms_prefix_blocks')).body.data;
    expect(listed.map((block: { prefix: string }) => block.prefix)).not.toContain('491511');
  });
});

describe('caps per partner client and for the service', () => {
  const clock = new TestClock(new Date('2026-11-22T10:00:00.000Z'));
  const f = useService({
    clock,
    env: {
      SMS_FRAUD_PROTECTION: 'off',
      SMS_CLIENT_HOURLY_CAP: '4',
      SMS_CLIENT_DAILY_CAP: '6',
      SMS_CLIENT_CAPS: 'big-bank:8/100',
      SMS_GLOBAL_HOURLY_CAP: '14',
    },
  });
  let next = 0;
  const fresh = () => numberIn(String(1600 + (next % 10)), ++next);

  it('refuses a client past its hourly cap with 429 and Retry-After, and not another client', async () => {
    const a = await partnerToken(f, 'bank-a');
    for (let i = 0; i < 4; i++) expect((await authorize(f, fresh(), a)).answer.status).toBe(201);
    const refused = (await authorize(f, fresh(), a)).answer;
    expect(refused.status).toBe(429);
    expect(refused.body.errors[0]).toMatchObject({ code: 'sms_cap_reached', title: 'SMS Cap Reached' });
    expect(refused.body.errors[0].detail).not.toMatch(/\d/);
    expect(Number(refused.headers.get('retry-after'))).toBe(3600);

    expect((await authorize(f, fresh(), await partnerToken(f, 'bank-b'))).answer.status).toBe(201);
    // A client with its own caps configured gets them.
    const big = await partnerToken(f, 'big-bank');
    for (let i = 0; i < 8; i++) expect((await authorize(f, fresh(), big)).answer.status).toBe(201);
    expect((await authorize(f, fresh(), big)).answer.status).toBe(429);
  });

  it('refuses a client past its daily cap in the next hours', async () => {
    clock.advance(3600);
    const a = await partnerToken(f, 'bank-a');
    for (let i = 0; i < 2; i++) expect((await authorize(f, fresh(), a)).answer.status).toBe(201);
    const refused = (await authorize(f, fresh(), a)).answer;
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBe(13 * 3600);
  });

  it('pauses every SMS at the global hourly cap with 503, in both APIs, and resumes the next hour', async () => {
    // This hour: bank-a 2; the rest of the global cap of 14 goes to three fresh clients.
    for (const client of ['c1', 'c2', 'c3']) {
      const token = await partnerToken(f, client);
      for (let i = 0; i < 4; i++) expect((await authorize(f, fresh(), token)).answer.status).toBe(201);
    }
    const paused = (await authorize(f, fresh(), await partnerToken(f, 'c4'))).answer;
    expect(paused.status).toBe(503);
    expect(paused.body.errors[0]).toMatchObject({ code: 'sms_paused', title: 'SMS Paused' });
    expect(Number(paused.headers.get('retry-after'))).toBe(3600);

    const person = uniquePerson();
    const mine = await f.user(person).put('/auth/v1/users/me/phone', { phone: fresh() });
    expect(mine.status).toBe(503);
    expect(mine.body).toMatchObject({ code: 14, details: [expect.objectContaining({ id: 'sms_paused' })] });

    clock.advance(3600);
    expect((await authorize(f, fresh(), await partnerToken(f, 'c4'))).answer.status).toBe(201);
  });

  it('never holds back a notice about a change already made', async () => {
    const token = await partnerToken(f, 'notices');
    const number = fresh();
    const { person } = await authorize(f, number, token);
    await confirm(f, person, number);
    for (let i = 0; i < 3; i++) await authorize(f, fresh(), token);
    expect((await authorize(f, fresh(), token)).answer.status).toBe(429);
    // The removal's TAN is a code (refused at the cap); the operator's reset notice is not.
    const before = (await f.outbox()).length;
    const reset = await f.operator().post(`/v1/operator/persons/${person}/second_factor_resets`, {
      reason: 'lost phone (case 1)',
      remove_mobile_number: true,
    });
    expect(reset.status).toBe(201);
    expect(reset.body.notified).toBe(true);
    expect((await f.outbox()).slice(before)).toEqual([
      expect.objectContaining({ to: number, template_key: 'sms.second_factor.reset_notification' }),
    ]);
  });
});
