import { describe, expect, it } from 'vitest';
import { TestClock, uniquePerson, useService } from '../support/fixture.ts';

const clock = new TestClock();

const fixture = useService({ clock });
const api = fixture.api;

const path = (person: string, suffix = '') => `/v1/persons/${person}/mobile_number${suffix}`;
const GERMAN = '+4915123456789';

describe('sandbox flow from the guide', () => {
  it('creates, authorizes and confirms +15550101 with 212212, sending no SMS', async () => {
    const person = uniquePerson();
    const created = await api.post(path(person), { number: '+15550101' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}cmno$/),
      number: '+15550101',
      verified: false,
    });

    const authorized = await api.post(path(person, '/authorize'), { number: '+15550101' });
    expect(authorized.status).toBe(201);
    expect(authorized.body).toEqual(created.body);

    const confirmed = await api.post(path(person, '/confirm'), { number: '+15550101', token: '212212' });
    expect(confirmed.status).toBe(201);
    expect(confirmed.body).toEqual({ ...created.body, verified: true });
    expect((await api.get(path(person))).body.verified).toBe(true);
    expect((await fixture.outbox()).filter((m) => m.to === '+15550101')).toEqual([]);
  });
});

describe('a real-looking German number', () => {
  it('gets a German SMS when the person speaks German, and verifies with the OTP from it', async () => {
    const person = uniquePerson();
    expect((await api.put(`/v1/persons/${person}/language_settings`, { language: 'de' })).status).toBe(200);
    const created = await api.post(path(person), { number: '+49 151/2345-6789' });
    expect(created.body.number).toBe(GERMAN);
    expect((await api.post(path(person, '/authorize'), { number: GERMAN })).status).toBe(201);
    const sms = (await fixture.outbox()).at(-1)!;
    expect(sms).toMatchObject({
      to: GERMAN,
      language: 'de',
      template_key: 'sms.mobile_number.verify_number',
    });
    expect(sms.text).toMatch(/^Bitte verifizieren Sie Ihre Handynummer mit folgender TAN: \d{6}$/);
    const otp = await fixture.lastSms(GERMAN);
    const confirmed = await api.post(path(person, '/confirm'), { number: GERMAN, token: otp });
    expect(confirmed).toMatchObject({ status: 201, body: { number: GERMAN, verified: true } });
  });
});

describe('with_identification on create', () => {
  it('accepts false or no parameter, and refuses true with a 400 naming the parameter, storing nothing', async () => {
    const person = uniquePerson();
    const refused = await api.post(`${path(person)}?with_identification=true`, { number: '+15550101' });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0]).toMatchObject({
      status: 400,
      code: 'validation_error',
      source: {
        field: 'query.with_identification',
        message: expect.stringContaining('identification is not supported'),
      },
    });
    expect((await api.get(path(person))).status).toBe(404);

    const accepted = await api.post(`${path(person)}?with_identification=false`, { number: '+15550101' });
    expect(accepted.status).toBe(201);
    expect(accepted.body).toEqual({ id: expect.any(String), number: '+15550101', verified: false });
  });
});
