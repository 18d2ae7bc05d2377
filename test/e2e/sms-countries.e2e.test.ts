import { describe, expect, it } from 'vitest';
import { uniquePerson, useService } from '../support/fixture.ts';

/** The destination-country allow-list, locally through SMS_COUNTRIES, in both APIs' error shapes. */
const french = '+33612345678';
const austrian = '+436641234567';

const fixture = useService({ env: { SMS_COUNTRIES: 'DE,AT' } });

const smsTo = async (number: string) => (await fixture.outbox()).filter((s) => s.to === number);

describe('partner API', () => {
  it('refuses an SMS to a country outside the list with 422 sms_country_not_allowed, and sends nothing', async () => {
    const partner = fixture.partner();
    const person = uniquePerson();
    expect((await partner.post(`/v1/persons/${person}/mobile_number`, { number: french })).status).toBe(201);
    const refused = await partner.post(`/v1/persons/${person}/mobile_number/authorize`, { number: french });
    expect(refused.status).toBe(422);
    expect(refused.body).toEqual({
      errors: [
        {
          id: refused.headers.get('x-request-id'),
          status: 422,
          code: 'sms_country_not_allowed',
          title: 'SMS Country Not Allowed',
          detail: 'This service does not send SMS to numbers of country FR.',
        },
      ],
    });
    expect(await smsTo(french)).toEqual([]);
    // The refusal spends none of the number's SMS quota: a listed country still gets its SMS.
    const other = uniquePerson();
    await partner.post(`/v1/persons/${other}/mobile_number`, { number: austrian });
    expect(
      (await partner.post(`/v1/persons/${other}/mobile_number/authorize`, { number: austrian })).status,
    ).toBe(201);
    expect(await smsTo(austrian)).toHaveLength(1);
  });
});

describe('end-user API', () => {
  it('refuses to set a phone of a country outside the list with FAILED_PRECONDITION, storing and sending nothing', async () => {
    const person = uniquePerson();
    const me = fixture.user(person);
    const refused = await me.put('/auth/v1/users/me/phone', { phone: '+33612345679' });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      code: 9,
      message: 'This service does not send SMS to numbers of country FR.',
      details: [
        {
          '@type': 'type.googleapis.com/zitadel.v1.ErrorDetail',
          id: 'SMS-COUNTRY-NOT-ALLOWED',
          message: 'This service does not send SMS to numbers of country FR.',
        },
      ],
    });
    expect((await me.get('/auth/v1/users/me/phone')).status).toBe(404);
    expect(await smsTo('+33612345679')).toEqual([]);
  });

  it('refuses a resend to a phone registered before its country left the list', async () => {
    const person = uniquePerson();
    await fixture.partner().post(`/v1/persons/${person}/mobile_number`, { number: '+33612345670' });
    const resend = await fixture.user(person).post('/auth/v1/users/me/phone/_resend_verification', {});
    expect(resend.status).toBe(400);
    expect(resend.body.code).toBe(9);
    expect(resend.body.details[0].id).toBe('SMS-COUNTRY-NOT-ALLOWED');
  });
});
