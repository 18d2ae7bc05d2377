import { describe, expect, it } from 'vitest';
import { ANSWER_MARGIN_MS, OUT_OF_TIME_RETRY_AFTER_SECONDS } from '../../shared/deadline.ts';
import { SMS_SEND_BUDGET_MS } from '../../shared/sms/sms-dispatcher.ts';
import { uniqueGermanNumber } from '../support/devices.ts';
import { uniquePerson, useService } from '../support/fixture.ts';

const ME = '/auth/v1/users/me/phone';
const outOfTime = {
  errors: [expect.objectContaining({ status: 503, code: 'out_of_time', title: 'Service Unavailable' })],
};
const retryAfter = String(OUT_OF_TIME_RETRY_AFTER_SECONDS);

/** A partner read and an end-user read both answer 503 with Retry-After, each in its API's error shape. */
async function expectOutOfTime(f: ReturnType<typeof useService>) {
  const partner = await f.partner().get(`/v1/persons/${uniquePerson()}/mobile_number`);
  expect(partner.status).toBe(503);
  expect(partner.headers.get('retry-after')).toBe(retryAfter);
  expect(partner.body).toEqual(outOfTime);
  const user = await f.user(uniquePerson()).get(ME);
  expect(user.status).toBe(503);
  expect(user.headers.get('retry-after')).toBe(retryAfter);
  expect(user.body).toMatchObject({ code: 14 });
}

describe('a request whose function has too little time left to send an SMS', () => {
  // Less than the SMS budget is left from the start: every SMS is refused, deterministically, however fast the rest.
  const f = useService({ timeouts: { functionMs: SMS_SEND_BUDGET_MS + ANSWER_MARGIN_MS - 1 } });

  /** A number registered without SMS; on a machine so busy that even that runs out of time (503), again. */
  async function registered() {
    for (let attempt = 0; attempt < 5; attempt++) {
      const person = uniquePerson();
      const number = uniqueGermanNumber();
      const created = await f.partner().post(`/v1/persons/${person}/mobile_number`, { number });
      if (created.status === 201) return { person, number };
      expect(created.status).toBe(503);
    }
    throw new Error('no registration answered in time');
  }

  it('sends nothing and answers 503 with Retry-After, on the partner API', async () => {
    const { person, number } = await registered();
    const authorize = await f.partner().post(`/v1/persons/${person}/mobile_number/authorize`, { number });
    expect(authorize.status).toBe(503);
    expect(authorize.headers.get('retry-after')).toBe(retryAfter);
    expect(authorize.body).toEqual(outOfTime);
    expect((await f.outbox()).filter((sms) => sms.to === number)).toEqual([]);
  });

  it('sends nothing and answers 503 UNAVAILABLE in the Zitadel shape on the end-user API', async () => {
    const number = uniqueGermanNumber();
    const answer = await f.user(uniquePerson()).put(ME, { phone: number });
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe(retryAfter);
    expect(answer.body).toMatchObject({ code: 14, message: expect.any(String), details: expect.any(Array) });
    expect((await f.outbox()).filter((sms) => sms.to === number)).toEqual([]);
  });
});

describe('a request that runs out of time in its function', () => {
  // The function's deadline passes before any table read can answer.
  const f = useService({ timeouts: { functionMs: ANSWER_MARGIN_MS + 1 } });

  it('answers 503 with Retry-After in the API’s shape, never 500', () => expectOutOfTime(f));
});

describe('a request the integration does not answer in time', () => {
  const f = useService({ timeouts: { integrationMs: 1 } });

  it('gets the gateway’s 503 with Retry-After, in the route’s shape', () => expectOutOfTime(f));
});
