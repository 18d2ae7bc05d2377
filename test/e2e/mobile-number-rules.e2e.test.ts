import { describe, expect, it, vi } from 'vitest';
import { TestClock, uniquePerson, useService } from '../support/fixture.ts';

const clock = new TestClock();

const fixture = useService({ clock });
const api = fixture.api;

const path = (person: string, suffix = '') => `/v1/persons/${person}/mobile_number${suffix}`;
let nextSubscriber = 1000;
/** A distinct valid German mobile number per test, so quotas never interfere. */
const freshNumber = () => `+49151${String(2000000 + nextSubscriber++).padStart(8, '0')}`;

async function created(number = freshNumber()) {
  const person = uniquePerson();
  const response = await api.post(path(person), { number });
  expect(response.status).toBe(201);
  return { person, number: response.body.number as string, id: response.body.id as string };
}

async function authorized(number = freshNumber()) {
  const c = await created(number);
  expect((await api.post(path(c.person, '/authorize'), { number: c.number })).status).toBe(201);
  return { ...c, otp: await fixture.lastSms(c.number) };
}

const errorOf = (response: { body: { errors: Array<{ code: string; status: number }> } }) =>
  response.body.errors[0]!;

describe('create', () => {
  it('answers 400 for an invalid number, naming the field', async () => {
    const response = await api.post(path(uniquePerson()), { number: '+49 123' });
    expect(response.status).toBe(400);
    expect(errorOf(response)).toMatchObject({ code: 'validation_error', source: { field: 'number' } });
  });

  it('allows one number per person (409 mobile_number_exists)', async () => {
    const { person } = await created();
    const again = await api.post(path(person), { number: freshNumber() });
    expect(again.status).toBe(409);
    expect(errorOf(again).code).toBe('mobile_number_exists');
  });

  it('lets exactly one of 15 concurrent creates for a person win; the rest are 409, never 500', async () => {
    const person = uniquePerson();
    const results = await Promise.all(
      Array.from({ length: 15 }, () => api.post(path(person), { number: freshNumber() })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(14);
  });

  it('lets several persons register the same number, and any number of persons the sandbox number', async () => {
    const number = freshNumber();
    await created(number);
    await created(number);
    for (let i = 0; i < 3; i++) await created('+15550101');
  });

  it('refuses oversized device_data', async () => {
    const big = await api.post(path(uniquePerson()), {
      number: freshNumber(),
      device_data: 'x'.repeat(8193),
    });
    expect(big.status).toBe(400);
    expect(errorOf(big)).toMatchObject({ source: { field: 'device_data' } });
  });

  it('ignores unknown fields: never echoed, never stored; a known field of the wrong type is still 400', async () => {
    const person = uniquePerson();
    const response = await api.post(path(person), { number: freshNumber(), role: 'admin', verified: 'yes' });
    expect(response.status).toBe(201);
    expect(Object.keys(response.body).sort()).toEqual(['id', 'number', 'verified']);
    expect(response.body.verified).toBe(false);
    const { mobileNumber: stored } = await fixture.person(person);
    expect(stored).not.toBeNull();
    expect(JSON.stringify(stored)).not.toContain('admin');
    expect((await api.post(path(uniquePerson()), { number: freshNumber(), device_data: 42 })).status).toBe(
      400,
    );
  });

  it('refuses malformed JSON, other content types and oversized bodies with 4xx', async () => {
    const person = uniquePerson();
    expect(
      (await api.raw('POST', path(person), '{"number":', { 'content-type': 'application/json' })).status,
    ).toBe(400);
    expect((await api.raw('POST', path(person), 'number=1', { 'content-type': 'text/plain' })).status).toBe(
      415,
    );
    const huge = JSON.stringify({ number: freshNumber(), device_data: 'x'.repeat(20_000) });
    expect((await api.raw('POST', path(person), huge, { 'content-type': 'application/json' })).status).toBe(
      413,
    );
    expect((await api.post(path(person), { number: 4915123456789 })).status).toBe(400);
    expect((await api.post('/v1/persons/bad%20id/mobile_number', { number: freshNumber() })).status).toBe(
      400,
    );
  });

  it('records PERSON_MOBILE_NUMBER_CREATED in the outbox with the change', async () => {
    const { person, id, number } = await created();
    // The outbox record committed with the change, as the stream relay published it.
    const mine = await fixture.event('PERSON_MOBILE_NUMBER_CREATED', (data) => data.person_id === person);
    expect(mine).toEqual({
      metadata: {
        id: expect.any(String),
        type: 'PERSON_MOBILE_NUMBER_CREATED',
        version: 1,
        time: expect.any(String),
      },
      data: { id, person_id: person, number, verified: false },
    });
  });
});

describe('get', () => {
  it('answers 404 model_not_found without a number', async () => {
    const response = await api.get(path(uniquePerson()));
    expect(response.status).toBe(404);
    expect(errorOf(response).code).toBe('model_not_found');
  });
});

describe('authorize and confirm', () => {
  it('answers 404 for a person without a number or with a different number', async () => {
    expect((await api.post(path(uniquePerson(), '/authorize'), { number: freshNumber() })).status).toBe(404);
    const { person } = await created();
    expect((await api.post(path(person, '/authorize'), { number: freshNumber() })).status).toBe(404);
    expect(
      (await api.post(path(person, '/confirm'), { number: freshNumber(), token: '123456' })).status,
    ).toBe(404);
  });

  it('accepts the number with separators, as created', async () => {
    const { person, number } = await created();
    const spaced = `${number.slice(0, 3)} ${number.slice(3, 6)}-${number.slice(6)}`;
    expect((await api.post(path(person, '/authorize'), { number: spaced })).status).toBe(201);
  });

  it('answers 403 invalid_tan for a wrong code and for a code never requested', async () => {
    const { person, number, otp } = await authorized();
    const wrong = otp === '000000' ? '000001' : '000000';
    const response = await api.post(path(person, '/confirm'), { number, token: wrong });
    expect(response.status).toBe(403);
    expect(errorOf(response).code).toBe('invalid_tan');
    const fresh = await created();
    expect(
      (await api.post(path(fresh.person, '/confirm'), { number: fresh.number, token: '123456' })).status,
    ).toBe(403);
  });

  it('makes the OTP single use', async () => {
    const { person, number, otp } = await authorized();
    expect((await api.post(path(person, '/confirm'), { number, token: otp })).status).toBe(201);
    expect((await api.post(path(person, '/confirm'), { number, token: otp })).status).toBe(403);
  });

  it('expires the OTP after 5 minutes', async () => {
    const { person, number, otp } = await authorized();
    clock.advance(301);
    const response = await api.post(path(person, '/confirm'), { number, token: otp });
    expect(response.status).toBe(403);
    expect(errorOf(response).code).toBe('invalid_tan');
  });

  it('burns the OTP after 5 wrong tries, until a new authorize', async () => {
    const { person, number, otp } = await authorized();
    const wrong = otp === '999999' ? '999998' : '999999';
    for (let i = 0; i < 5; i++) {
      expect((await api.post(path(person, '/confirm'), { number, token: wrong })).status).toBe(403);
    }
    expect((await api.post(path(person, '/confirm'), { number, token: otp })).status).toBe(403);
    expect((await api.post(path(person, '/authorize'), { number })).status).toBe(201);
    const next = await fixture.lastSms(number);
    expect((await api.post(path(person, '/confirm'), { number, token: next })).status).toBe(201);
  });

  it('replaces the previous OTP on a new authorize', async () => {
    const { person, number, otp } = await authorized();
    expect((await api.post(path(person, '/authorize'), { number })).status).toBe(201);
    const second = await fixture.lastSms(number);
    if (second !== otp) {
      expect((await api.post(path(person, '/confirm'), { number, token: otp })).status).toBe(403);
    }
    expect((await api.post(path(person, '/confirm'), { number, token: second })).status).toBe(201);
  });

  it('lets exactly one of 20 concurrent confirms with the right OTP succeed', async () => {
    const { person, number, otp } = await authorized();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => api.post(path(person, '/confirm'), { number, token: otp })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 403)).toHaveLength(19);
  });

  it('gives 100 parallel guesses no more than 5 comparisons', async () => {
    const { person, number, otp } = await authorized();
    const guesses = Array.from({ length: 100 }, (_, i) => String(i).padStart(6, '0')).filter(
      (g) => g !== otp,
    );
    guesses.splice(50, 0, otp);
    const results = await Promise.all(
      guesses.map((token) => api.post(path(person, '/confirm'), { number, token })),
    );
    // The right code sits mid-batch: it can only win if its check was charged before five wrong ones were.
    const successes = results.filter((r) => r.status === 201).length;
    expect(successes).toBeLessThanOrEqual(1);
    // An outcome is told only for a charged check; every other request is refused like a wrong code.
    expect(results.every((r) => [201, 403].includes(r.status))).toBe(true);
    const records = await fixture.person(person);
    if (successes === 0) expect(records.pendingOtpAttempts).toBe(5);
    // Each charged check also took one unit of the person's daily budget, in the same transaction.
    const charged = records.codeChecksCharged;
    if (successes === 0) expect(charged).toBe(5);
    else expect(charged).toBeGreaterThanOrEqual(1);
    expect(charged).toBeLessThanOrEqual(6);
  });

  it('keeps a daily budget of 30 code checks per person that new codes do not reset', async () => {
    const { person, number } = await created();
    for (let round = 0; round < 6; round++) {
      expect((await api.post(path(person, '/authorize'), { number })).status).toBe(201);
      const otp = await fixture.lastSms(number);
      const wrong = otp === '000000' ? '000001' : '000000';
      for (let i = 0; i < 5; i++) {
        expect((await api.post(path(person, '/confirm'), { number, token: wrong })).status).toBe(403);
      }
    }
    expect((await api.post(path(person, '/authorize'), { number })).status).toBe(201);
    const otp = await fixture.lastSms(number);
    const spent = await api.post(path(person, '/confirm'), { number, token: otp });
    expect(spent.status).toBe(429);
    expect(Number(spent.headers.get('retry-after'))).toBeGreaterThan(24 * 3600 - 120);
    clock.advance(24 * 3600);
    expect((await api.post(path(person, '/authorize'), { number })).status).toBe(201);
    const fresh = await fixture.lastSms(number);
    expect((await api.post(path(person, '/confirm'), { number, token: fresh })).status).toBe(201);
  });

  it('returns a verified number on authorize and sends no SMS', async () => {
    const { person, number, otp } = await authorized();
    await api.post(path(person, '/confirm'), { number, token: otp });
    const before = (await fixture.outbox()).length;
    const response = await api.post(path(person, '/authorize'), { number });
    expect(response).toMatchObject({ status: 201, body: { number, verified: true } });
    expect((await fixture.outbox()).length).toBe(before);
  });

  it('does not accept an OTP sent before the number was deleted and re-created', async () => {
    const { person, number, otp } = await authorized();
    expect((await api.delete(path(person), { number })).status).toBe(200);
    expect((await api.post(path(person), { number })).status).toBe(201);
    expect((await api.post(path(person, '/confirm'), { number, token: otp })).status).toBe(403);
  });
});

describe('SMS quota', () => {
  it('sends 60 SMS per number per hour and answers the 61st with 429 and Retry-After', async () => {
    // Three persons share the number, so the number's quota (60) binds before any person's own limit (30).
    const number = freshNumber();
    const persons = [await created(number), await created(number), await created(number)];
    const results = await Promise.all(
      Array.from({ length: 61 }, (_, i) => api.post(path(persons[i % 3]!.person, '/authorize'), { number })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(60);
    const refused = results.find((r) => r.status === 429)!;
    expect(errorOf(refused).code).toBe('too_many_requests');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(3500);
    expect((await fixture.outbox()).filter((m) => m.to === number)).toHaveLength(60);

    const other = await api.post(path(persons[0]!.person, '/reauthorize'), {
      authorization_text_key: 'sms.mobile_number.verify_number',
    });
    expect(other.status).toBe(429);

    clock.advance(3601);
    expect((await api.post(path(persons[0]!.person, '/authorize'), { number })).status).toBe(201);
  });

  it('holds one person to 30 SMS an hour, so nobody can spend the quota of a number they typed in', async () => {
    const number = freshNumber();
    const intruder = await created(number);
    const owner = await created(number);
    const results = await Promise.all(
      Array.from({ length: 40 }, () => api.post(path(intruder.person, '/authorize'), { number })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(30);
    expect(results.filter((r) => r.status === 429)).toHaveLength(10);
    expect((await api.post(path(owner.person, '/authorize'), { number })).status).toBe(201);
  });

  it('counts per number across persons', async () => {
    const number = freshNumber();
    const a = await created(number);
    const b = await created(number);
    for (let i = 0; i < 30; i++) await api.post(path(a.person, '/authorize'), { number });
    const fromB = await Promise.all(
      Array.from({ length: 31 }, () => api.post(path(b.person, '/authorize'), { number })),
    );
    expect(fromB.filter((r) => r.status === 201)).toHaveLength(30);
    expect(fromB.filter((r) => r.status === 429)).toHaveLength(1);
  });
});

describe('reauthorize', () => {
  it('sends the keyed text in the person language with the OTP, which confirm accepts', async () => {
    const { person, number } = await fixture.createVerifiedNumber(freshNumber());
    await api.put(`/v1/persons/${person}/language_settings`, { language: 'fr' });
    const response = await api.post(path(person, '/reauthorize'), {
      authorization_text_key: 'sms.sepa.transaction',
      authorization_text_variables: { iban: 'DE02120300000000202051', amount: '12,50 EUR', tan: '{tan}' },
    });
    expect(response.status).toBe(201);
    const sms = (await fixture.outbox()).at(-1)!;
    expect(sms.text).toMatch(
      /^Afin d'activer le paiement de 12,50 EUR depuis le compte DE02120300000000202051, utilisez le code OTP suivant : \d{6}$/,
    );
    const otp = await fixture.lastSms(number);
    expect((await api.post(path(person, '/confirm'), { number, token: otp })).status).toBe(201);
  });

  it('answers 422 for an unknown key, a text without OTP and a missing variable', async () => {
    const { person } = await fixture.createVerifiedNumber(freshNumber());
    const unknown = await api.post(path(person, '/reauthorize'), { authorization_text_key: 'sms.nope' });
    expect(unknown.status).toBe(422);
    const noOtp = await api.post(path(person, '/reauthorize'), {
      authorization_text_key: 'sms.mobile_number.deleted_notification',
    });
    expect(noOtp.status).toBe(422);
    const missing = await api.post(path(person, '/reauthorize'), {
      authorization_text_key: 'sms.account.closure',
    });
    expect(missing.status).toBe(422);
    expect(errorOf(missing).code).toBe('missing_authorization_text_variable');
  });

  it('refuses variables that could smuggle placeholders or control characters', async () => {
    const { person } = await created();
    const response = await api.post(path(person, '/reauthorize'), {
      authorization_text_key: 'sms.account.closure',
      authorization_text_variables: { iban: '{tan}' },
    });
    expect(response.status).toBe(400);
  });

  it('refuses variables the text does not have, and disguising characters', async () => {
    const { person } = await created();
    const unknown = await api.post(path(person, '/reauthorize'), {
      authorization_text_key: 'sms.account.closure',
      authorization_text_variables: { iban: 'DE02120300000000202051', amount: '1 EUR' },
    });
    expect(unknown.status).toBe(400);
    expect(errorOf(unknown)).toMatchObject({ source: { field: 'authorization_text_variables.amount' } });
    for (const iban of ['DE02\u202E1202', 'DE02\u200B1202', 'DE02\u20281202']) {
      const response = await api.post(path(person, '/reauthorize'), {
        authorization_text_key: 'sms.account.closure',
        authorization_text_variables: { iban: JSON.parse(`"${iban}"`) },
      });
      expect(response.status).toBe(400);
    }
  });

  it('refuses a 2FA text on an unverified number with 422, sending nothing and keeping the pending code', async () => {
    const { person, number, otp } = await authorized();
    const sent = (await fixture.outbox()).length;
    for (const authorization_text_key of ['sms.two_factor.authenticate', 'sms.data_change.general']) {
      const response = await api.post(path(person, '/reauthorize'), { authorization_text_key });
      expect(response.status).toBe(422);
      expect(errorOf(response)).toMatchObject({ status: 422, code: 'mobile_number_not_verified' });
    }
    expect((await fixture.outbox()).length).toBe(sent);
    expect((await api.get(path(person))).body.verified).toBe(false);
    // The verification code sent before is untouched and still verifies the number.
    expect((await api.post(path(person, '/confirm'), { number, token: otp })).body.verified).toBe(true);
  });

  it('sends the verification text to an unverified number as a new verification code', async () => {
    const { person, number } = await created();
    const response = await api.post(path(person, '/reauthorize'), {
      authorization_text_key: 'sms.mobile_number.verify_number',
      authorization_text_variables: { tan: '{tan}' },
    });
    expect(response).toMatchObject({ status: 201, body: { number, verified: false } });
    const sms = (await fixture.outbox()).at(-1)!;
    expect(sms).toMatchObject({ to: number, template_key: 'sms.mobile_number.verify_number' });
    const otp = await fixture.lastSms(number);
    expect((await api.post(path(person, '/confirm'), { number, token: otp })).body.verified).toBe(true);
  });

  it('answers 404 without a number', async () => {
    const response = await api.post(path(uniquePerson(), '/reauthorize'), {
      authorization_text_key: 'sms.two_factor.authenticate',
    });
    expect(response.status).toBe(404);
  });
});

describe('delete', () => {
  it('deletes an unverified number, records the event, and answers 404 afterwards', async () => {
    const { person, number, id } = await created();
    const response = await api.delete(path(person), { number });
    expect(response).toMatchObject({ status: 200, body: { id, number, verified: false } });
    expect((await api.get(path(person))).status).toBe(404);
    const deleted = await fixture.event('PERSON_MOBILE_NUMBER_DELETED', (data) => data.id === id);
    expect(deleted.data).toEqual({ id, person_id: person, number });
  });

  it('answers 404 for a different number and keeps the number', async () => {
    const { person } = await created();
    expect((await api.delete(path(person), { number: freshNumber() })).status).toBe(404);
    expect((await api.get(path(person))).status).toBe(200);
  });

  it('opens a change request for a verified number and keeps the number', async () => {
    const { person, number, otp } = await authorized();
    await api.post(path(person, '/confirm'), { number, token: otp });
    const response = await api.delete(path(person), { number });
    expect(response.status).toBe(202);
    expect(response.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}cchr$/),
      status: 'AUTHORIZATION_REQUIRED',
      updated_at: expect.any(String),
      url: `/v1/change_requests/${response.body.id}/authorize`,
    });
    expect((await api.get(path(person))).body.verified).toBe(true);
  });
});

describe('language settings', () => {
  it('defaults to en, stores a choice and refuses unknown languages', async () => {
    const person = uniquePerson();
    expect((await api.get(`/v1/persons/${person}/language_settings`)).body).toEqual({ language: 'en' });
    expect((await api.put(`/v1/persons/${person}/language_settings`, { language: 'it' })).status).toBe(200);
    expect((await api.get(`/v1/persons/${person}/language_settings`)).body).toEqual({ language: 'it' });
    expect((await api.put(`/v1/persons/${person}/language_settings`, { language: 'pt' })).status).toBe(400);
  });
});

describe('transport', () => {
  it('echoes X-Request-Id into headers and error ids, and answers unknown routes in the error shape', async () => {
    const response = await api.get(path(uniquePerson()), { 'X-Request-Id': 'trace-42' });
    expect(response.headers.get('x-request-id')).toBe('trace-42');
    expect(errorOf(response)).toMatchObject({ id: 'trace-42' });
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect((await api.get('/v1/nothing/here')).status).toBe(404);
    // API Gateway HTTP APIs answer 404 for a known path without that method; so does the local gateway.
    expect((await api.raw('PATCH', path(uniquePerson()))).status).toBe(404);
    expect((await api.get('/v1/persons/%E0%A4%A/mobile_number')).status).toBe(400);
  });

  it('never writes device_data or OTPs to the log', async () => {
    const lines: string[] = [];
    // The logger writes through console.info / warn / error / debug (one level each under Lambda's JSON format).
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation((line: unknown) => void lines.push(JSON.stringify(line))),
    );
    const previous = process.env.LOG_SILENT;
    process.env.LOG_SILENT = 'false';
    try {
      const secret = 'Web;fingerprint-that-must-not-be-logged';
      const { person, number } = await created();
      await api.post(path(person, '/authorize'), { number, device_data: secret });
      const otp = await fixture.lastSms(number);
      await api.post(path(person, '/confirm'), { number, token: otp, device_data: secret });
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.join('\n')).not.toContain(secret);
      expect(lines.join('\n')).not.toContain(otp);
    } finally {
      process.env.LOG_SILENT = previous;
      for (const spy of spies) spy.mockRestore();
    }
  });
});

describe('the number as authorize, confirm and delete take it', () => {
  it('may come without the plus sign and with whitespace ("The API will remove all whitespaces and the + character")', async () => {
    const { person, number } = await created();
    const bare = number.slice(1);
    const spaced = ` ${bare.slice(0, 2)} ${bare.slice(2, 5)}\t${bare.slice(5)} `;
    expect((await api.post(path(person, '/authorize'), { number: bare })).status).toBe(201);
    const otp = await fixture.lastSms(number);
    const confirmed = await api.post(path(person, '/confirm'), { number: spaced, token: otp });
    expect(confirmed.status).toBe(201);
    expect(confirmed.body).toMatchObject({ number, verified: true });

    const other = await created();
    const removed = await api.delete(path(other.person), { number: `+ ${other.number.slice(1)}` });
    expect(removed.status).toBe(200);
    expect((await api.post(path(person, '/authorize'), { number: '49' })).status).toBe(400);
  });
});

describe('a token of the wrong form on confirm', () => {
  it.each([
    '12345',
    '1234567',
    'abcdef',
    '',
  ])('answers 403 invalid_tan to %j and spends no attempt', async (token) => {
    const { person, number, otp } = await authorized();
    const response = await api.post(path(person, '/confirm'), { number, token });
    expect(response.status).toBe(403);
    expect(errorOf(response).code).toBe('invalid_tan');
    // Still five attempts for the real code: four wrong six-digit codes, then the right one.
    for (let i = 0; i < 4; i++) {
      const wrong = otp === '000000' ? '111111' : '000000';
      expect((await api.post(path(person, '/confirm'), { number, token: wrong })).status).toBe(403);
    }
    expect((await api.post(path(person, '/confirm'), { number, token: otp })).status).toBe(201);
  });

  it('answers 400 to a token that is not a string', async () => {
    const { person, number } = await authorized();
    expect((await api.post(path(person, '/confirm'), { number, token: 123456 })).status).toBe(400);
  });
});
