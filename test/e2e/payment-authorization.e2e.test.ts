import { createHash } from 'node:crypto';
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  bind,
  generateDeviceKey,
  paymentPrompt,
  readPaymentToSign,
  signHex,
  signPaymentAuthorization,
} from '../../shared/devices/device-client.ts';
import { uniqueGermanNumber } from '../support/devices.ts';
import { TestClock, uniquePerson, useService } from '../support/fixture.ts';

const clock = new TestClock();
const f = useService({ clock });

const IBAN = 'DE89370400440532013000';
const payee = { name: 'Müller Bäckerei GmbH', iban: 'DE89 3704 0044 0532 0130 00' };
const amount = { value: 1250, currency: 'EUR' };
const create = (person: string) => `/v1/persons/${person}/payment_authorizations`;
const pa = (id: string, suffix = '') => `/v1/payment_authorizations/${id}${suffix}`;
const errorCode = (response: { body: { errors: Array<{ code: string }> } }) => response.body.errors[0]!.code;

/** The TAN is the last six-digit group of the payment SMS (amount and payee come before it). */
async function lastTan(number: string): Promise<{ tan: string; text: string; language: string }> {
  const sms = (await f.outbox()).filter((entry) => entry.to === number).at(-1)!;
  return { tan: [...sms.text.matchAll(/\b\d{6}\b/g)].at(-1)![0], text: sms.text, language: sms.language };
}

/** The canonical form v1 of docs/walkthroughs/7-payment-authorization.md, written out independently of the service's code. */
const canonical = (id: string, value: number, currency: string, name: string, account: string) =>
  `PAYMENT_AUTHORIZATION v1\nauthorization_id:${id}\namount:${value}\ncurrency:${currency}\npayee_name:${name}\n${account}`;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

async function bySms(options: { language?: string; body?: Record<string, unknown> } = {}) {
  const { person, number } = await f.createVerifiedNumber(uniqueGermanNumber());
  if (options.language) {
    await f.partner().put(`/v1/persons/${person}/language_settings`, { language: options.language });
  }
  const opened = await f.partner().post(create(person), { amount, payee, method: 'sms', ...options.body });
  expect(opened.status).toBe(201);
  return { person, number, id: opened.body.id as string, opened: opened.body, ...(await lastTan(number)) };
}

async function boundDevice() {
  const { person } = await f.createVerifiedNumber(uniqueGermanNumber());
  const keys = await generateDeviceKey();
  const device = await bind(
    { baseUrl: f.url, token: await f.service.issuer.mint({ kind: 'partner' }) },
    {
      personId: person,
      name: 'Payment phone',
      keys,
    },
  );
  return { person, keys, ...device };
}

async function byDevice() {
  const device = await boundDevice();
  const opened = await f.partner().post(create(device.person), {
    amount,
    payee,
    description: 'Invoice 2026-118',
    method: 'device_signing',
    device_id: device.deviceId,
  });
  expect(opened.status).toBe(201);
  return { ...device, id: opened.body.id as string, opened: opened.body };
}

/** The key set over HTTP on 127.0.0.1, fetched with a partner token as a bank's backend (or its auditor) would. */
const jwks = async () =>
  createRemoteJWKSet(new URL(`${f.url}/v1/payment_authorizations/keys`), {
    headers: { authorization: `Bearer ${await f.service.issuer.mint({ kind: 'partner' })}` },
  });

describe('payment authorization by SMS', () => {
  it('sends amount and payee in the person’s language, binds the TAN to them, and answers a receipt', async () => {
    const { person, number, id, opened, tan, text, language } = await bySms({ language: 'de' });
    expect(id).toMatch(/^[0-9a-f]{32}pauth$/);
    expect(opened).toEqual({
      id,
      person_id: person,
      status: 'CONFIRMATION_REQUIRED',
      method: 'sms',
      amount,
      payee: { name: payee.name, iban: IBAN },
      digest: sha256(canonical(id, 1250, 'EUR', payee.name, `payee_iban:${IBAN}`)),
      created_at: expect.any(String),
      updated_at: expect.any(String),
      expires_at: expect.any(String),
    });
    expect(Date.parse(opened.expires_at) - Date.parse(opened.created_at)).toBe(300_000);
    expect(language).toBe('de');
    expect(text).toBe(
      `Um die Zahlung von 12,50 € an Müller Bäckerei GmbH (DE89 3704 0044 0532 0130 00) freizugeben, nutzen Sie bitte folgende TAN: ${tan}`,
    );
    expect(text).not.toContain(number);

    const confirmed = await f.partner().post(pa(id, '/confirm'), { tan, amount, payee });
    expect(confirmed.status).toBe(201);
    expect(confirmed.body).toMatchObject({ id, status: 'COMPLETED', receipt: expect.any(String) });

    const { payload, protectedHeader } = await jwtVerify(confirmed.body.receipt, await jwks(), {
      algorithms: ['ES256'],
      issuer: 'phone-security:local',
    });
    // A verifier that checks `iss`, as the docs require, refuses the local stage's receipt as a production one.
    await expect(
      jwtVerify(confirmed.body.receipt, await jwks(), {
        algorithms: ['ES256'],
        issuer: 'phone-security:123456789012:eu-central-1:PhoneSecurity',
      }),
    ).rejects.toThrow(/iss/);
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'JWT', kid: expect.any(String) });
    expect(payload).toEqual({
      iss: 'phone-security:local',
      jti: id,
      iat: Math.floor(clock.now().getTime() / 1000),
      person_id: person,
      method: 'sms',
      amount: 1250,
      currency: 'EUR',
      payee: { name: payee.name, iban: IBAN },
      digest: opened.digest,
    });
    expect((await f.partner().get(pa(id))).body).toMatchObject({
      status: 'COMPLETED',
      receipt: confirmed.body.receipt,
    });
    expect(await f.event('PAYMENT_AUTHORIZATION_CREATED', (d) => d.authorization_id === id)).toBeDefined();
    const event = await f.event('PAYMENT_AUTHORIZATION_CONFIRMED', (d) => d.authorization_id === id);
    expect(event.data).toMatchObject({ person_id: person, method: 'sms', receipt: confirmed.body.receipt });
    expect(JSON.stringify(event)).not.toContain(tan);

    const again = await f.partner().post(pa(id, '/confirm'), { tan, amount, payee });
    expect(again.status).toBe(409);
    expect(errorCode(again)).toBe('payment_authorization_closed');
  });

  it.each([
    ['en', '€12.50'],
    ['fr', '12,50 €'],
    ['it', '12,50 €'],
    ['es', '12,50 €'],
  ])('writes the text in %s with the amount as %s', async (lang, formatted) => {
    const { text } = await bySms({ language: lang });
    expect(text).toContain(formatted);
    expect(text).toContain('Müller Bäckerei GmbH (DE89 3704 0044 0532 0130 00)');
    expect(text).not.toMatch(/[\u00a0\u202f]/);
  });

  it('formats by the currency’s minor units and names an account reference', async () => {
    const { text } = await bySms({
      body: {
        amount: { value: 1500, currency: 'JPY' },
        payee: { name: 'Shop', account_reference: 'ORDER-77' },
      },
    });
    expect(text).toContain('of JP¥1,500 to Shop (ORDER-77)');
  });

  it('fails a confirm that names other values, charging an attempt and the daily budget', async () => {
    const { person, id, tan } = await bySms();
    const before = (await f.person(person)).codeChecksCharged;
    const otherAmount = await f.partner().post(pa(id, '/confirm'), {
      tan,
      amount: { value: 1251, currency: 'EUR' },
      payee,
    });
    expect(otherAmount.status).toBe(403);
    expect(errorCode(otherAmount)).toBe('invalid_tan');
    const otherPayee = await f.partner().post(pa(id, '/confirm'), {
      tan,
      amount,
      payee: { name: 'Mallory', iban: IBAN },
    });
    expect(otherPayee.status).toBe(403);
    expect((await f.person(person)).codeChecksCharged).toBe(before + 2);
    // The right TAN with the right values still confirms: the two refusals were charged attempts, not a burn.
    const right = await f.partner().post(pa(id, '/confirm'), { tan, amount, payee });
    expect(right.status).toBe(201);
    expect((await f.person(person)).codeChecksCharged).toBe(before + 3);
  });

  it('fails for good on the third wrong TAN, with a FAILED event', async () => {
    const { id, tan } = await bySms();
    const wrong = tan === '000000' ? '111111' : '000000';
    for (let attempt = 1; attempt <= 3; attempt++) {
      const response = await f.partner().post(pa(id, '/confirm'), { tan: wrong, amount, payee });
      expect(response.status).toBe(403);
    }
    expect((await f.partner().get(pa(id))).body).toMatchObject({
      status: 'FAILED',
      failure_reason: 'attempts_exhausted',
    });
    const late = await f.partner().post(pa(id, '/confirm'), { tan, amount, payee });
    expect(late.status).toBe(409);
    const event = await f.event('PAYMENT_AUTHORIZATION_FAILED', (d) => d.authorization_id === id);
    expect((event.data as { reason: string }).reason).toBe('attempts_exhausted');
  });

  it('expires after 5 minutes', async () => {
    const { id, tan } = await bySms();
    clock.advance(299);
    expect((await f.partner().get(pa(id))).body.status).toBe('CONFIRMATION_REQUIRED');
    clock.advance(1);
    const late = await f.partner().post(pa(id, '/confirm'), { tan, amount, payee });
    expect(late.status).toBe(422);
    expect(errorCode(late)).toBe('payment_authorization_expired');
    expect((await f.partner().get(pa(id))).body).toMatchObject({
      status: 'EXPIRED',
      failure_reason: 'expired',
    });
    const event = await f.event('PAYMENT_AUTHORIZATION_FAILED', (d) => d.authorization_id === id);
    expect((event.data as { reason: string }).reason).toBe('expired');
  });

  it('lets exactly one of 20 concurrent right confirms succeed, charging the losers nothing', async () => {
    const { person, id, tan } = await bySms();
    const before = (await f.person(person)).codeChecksCharged;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => f.partner().post(pa(id, '/confirm'), { tan, amount, payee })),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status >= 200 && status < 300)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409 || status === 403)).toHaveLength(19);
    expect((await f.person(person)).codeChecksCharged).toBe(before + 1);
    const confirmed = (await f.events()).filter(
      (entry) =>
        entry.event.metadata.type === 'PAYMENT_AUTHORIZATION_CONFIRMED' &&
        (entry.event.data as { authorization_id: string }).authorization_id === id,
    );
    expect(confirmed.length).toBeLessThanOrEqual(1);
    await f.event('PAYMENT_AUTHORIZATION_CONFIRMED', (d) => d.authorization_id === id);
  });

  it('replays a retried create with the same Idempotency-Key: one SMS, one authorization', async () => {
    const { person, number } = await f.createVerifiedNumber(uniqueGermanNumber());
    const headers = { 'Idempotency-Key': `pay-${person}` };
    const body = { amount, payee, method: 'sms' };
    const first = await f.partner().post(create(person), body, headers);
    const retry = await f.partner().post(create(person), body, headers);
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    const sent = (await f.outbox()).filter((entry) => entry.to === number);
    expect(sent.filter((entry) => entry.template_key === 'sms.payment.authorize')).toHaveLength(1);
  });
});

describe('payment authorization by device signing', () => {
  it('gives a string_to_sign in the canonical form, which the reference client shows, signs and confirms', async () => {
    const { person, keys, deviceId, keyId, id, opened } = await byDevice();
    const expected = canonical(id, 1250, 'EUR', payee.name, `payee_iban:${IBAN}`);
    expect(opened).toMatchObject({
      id,
      status: 'CONFIRMATION_REQUIRED',
      method: 'device_signing',
      device_id: deviceId,
      description: 'Invoice 2026-118',
      string_to_sign: expected,
      digest: sha256(expected),
    });
    expect(readPaymentToSign(opened.string_to_sign)).toEqual({
      authorizationId: id,
      amount,
      payee: { name: payee.name, iban: IBAN },
    });

    const shown: string[] = [];
    const api = { baseUrl: f.url, token: await f.service.issuer.mint({ kind: 'partner' }) };
    const { confirmed } = await signPaymentAuthorization(api, {
      authorizationId: id,
      privateKey: keys.privateKey,
      approve: async (prompt) => {
        shown.push(prompt);
        return true;
      },
    });
    expect(shown).toEqual(['Pay €12.50 to Müller Bäckerei GmbH, IBAN DE89 3704 0044 0532 0130 00?']);
    expect(confirmed).toMatchObject({ id, status: 'COMPLETED', receipt: expect.any(String) });

    const keySet = (await f.partner().get('/v1/payment_authorizations/keys')).body as {
      keys: Array<{ kid: string }>;
    };
    expect(keySet.keys).toHaveLength(1);
    const receipt = confirmed!.receipt as string;
    expect(decodeProtectedHeader(receipt).kid).toBe(keySet.keys[0]!.kid);
    const { payload } = await jwtVerify(receipt, createLocalJWKSet(keySet as never), {
      algorithms: ['ES256'],
    });
    expect(payload).toMatchObject({
      iss: 'phone-security:local',
      jti: id,
      person_id: person,
      method: 'device_signing',
      device_id: deviceId,
      key_id: keyId,
      amount: 1250,
      currency: 'EUR',
      digest: sha256(expected),
    });
    const event = await f.event('PAYMENT_AUTHORIZATION_CONFIRMED', (d) => d.authorization_id === id);
    expect(event.data).toMatchObject({ device_id: deviceId, key_id: keyId });
    expect((await f.partner().get(`/v1/mfa/devices/${deviceId}/keys/${keyId}`)).body.used_at).toBeTruthy();
  });

  it('declined on the device, nothing is signed and the authorization stays open', async () => {
    const { keys, id } = await byDevice();
    const api = { baseUrl: f.url, token: await f.service.issuer.mint({ kind: 'partner' }) };
    const declined = await signPaymentAuthorization(api, {
      authorizationId: id,
      privateKey: keys.privateKey,
      approve: async () => false,
    });
    expect(declined.confirmed).toBeUndefined();
    expect((await f.partner().get(pa(id))).body.status).toBe('CONFIRMATION_REQUIRED');
  });

  it('refuses a signature over other terms, and fails on the third', async () => {
    const { keys, id, opened } = await byDevice();
    const tampered = opened.string_to_sign.replace('amount:1250', 'amount:125');
    for (let attempt = 1; attempt <= 3; attempt++) {
      const response = await f.partner().post(pa(id, '/confirm'), {
        signature: await signHex(keys.privateKey, tampered),
      });
      expect(response.status).toBe(403);
      expect(errorCode(response)).toBe('invalid_signature');
    }
    const right = await f.partner().post(pa(id, '/confirm'), {
      signature: await signHex(keys.privateKey, opened.string_to_sign),
    });
    expect(right.status).toBe(409);
    expect((await f.partner().get(pa(id))).body).toMatchObject({
      status: 'FAILED',
      failure_reason: 'attempts_exhausted',
    });
  });

  it('expires after 5 minutes', async () => {
    const { keys, id, opened } = await byDevice();
    clock.advance(300);
    const late = await f.partner().post(pa(id, '/confirm'), {
      signature: await signHex(keys.privateKey, opened.string_to_sign),
    });
    expect(late.status).toBe(422);
    expect(errorCode(late)).toBe('payment_authorization_expired');
  });

  it('lets exactly one of 20 concurrent right signatures succeed', async () => {
    const { keys, id, opened } = await byDevice();
    const signature = await signHex(keys.privateKey, opened.string_to_sign);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => f.partner().post(pa(id, '/confirm'), { signature })),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status >= 200 && status < 300)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(19);
  });

  it('refuses a device of another person, and a TAN confirm of a device authorization', async () => {
    const device = await boundDevice();
    const stranger = await f.createVerifiedNumber(uniqueGermanNumber());
    const foreign = await f.partner().post(create(stranger.person), {
      amount,
      payee,
      method: 'device_signing',
      device_id: device.deviceId,
    });
    expect(foreign.status).toBe(404);
    const { id } = await byDevice();
    const byTan = await f.partner().post(pa(id, '/confirm'), { tan: '123456', amount, payee });
    expect(byTan.status).toBe(422);
    expect(errorCode(byTan)).toBe('authorization_method_mismatch');
  });
});

describe('payment authorization input', () => {
  it.each([
    ['a bad IBAN check digit', { payee: { name: 'A', iban: 'DE89370400440532013001' } }, 'payee.iban'],
    ['a lower-case currency', { amount: { value: 100, currency: 'eur' } }, 'amount.currency'],
    ['an unknown currency', { amount: { value: 100, currency: 'XYZ' } }, 'amount.currency'],
    ['a zero amount', { amount: { value: 0, currency: 'EUR' } }, 'amount.value'],
    ['a fractional amount', { amount: { value: 12.5, currency: 'EUR' } }, 'amount.value'],
    ['a line break in the payee name', { payee: { name: 'A\nB', iban: IBAN } }, 'payee.name'],
    ['device signing without a device', { method: 'device_signing' }, 'device_id'],
    [
      'a payee with both IBAN and reference',
      { payee: { name: 'A', iban: IBAN, account_reference: 'R-1' } },
      'payee',
    ],
    ['a payee with no account', { payee: { name: 'A' } }, 'payee'],
    ['a lone surrogate in the payee name', { payee: { name: 'M\uD800ller', iban: IBAN } }, 'payee.name'],
    ['a lone surrogate in the description', { description: 'Invoice \uDC00' }, 'description'],
    [
      'another account number in the payee name',
      {
        payee: { name: 'Müller Bäckerei GmbH (DE89 3704 0044 0532 0130 00)', iban: 'GB33BUKB20201555555555' },
      },
      'payee.name',
    ],
    [
      'a payee name too long to keep the IBAN in view',
      { payee: { name: 'N'.repeat(41), iban: IBAN } },
      'payee.name',
    ],
    ['an amount above the documented bound', { amount: { value: 1e15, currency: 'EUR' } }, 'amount.value'],
  ])('answers 400 in the errors[] shape for %s', async (_, change, field) => {
    const response = await f
      .partner()
      .post(create(uniquePerson()), { amount, payee, method: 'sms', ...change });
    expect(response.status).toBe(400);
    expect(response.body.errors[0]).toMatchObject({ status: 400, code: 'validation_error' });
    if (field !== 'device_id') expect(response.body.errors[0].source.field).toBe(field);
  });

  it('ignores unknown fields, as elsewhere on the partner API', async () => {
    const { person } = await f.createVerifiedNumber(uniqueGermanNumber());
    const response = await f.partner().post(create(person), {
      amount: { ...amount, minor_units: 2 },
      payee: { ...payee, bic: 'COBADEFFXXX' },
      method: 'sms',
      channel: 'web',
    });
    expect(response.status).toBe(201);
    expect(response.body.payee).toEqual({ name: payee.name, iban: IBAN });
  });

  it('ignores unknown fields on confirm too, and still refuses a body that mixes both forms', async () => {
    const { id, tan } = await bySms();
    const mixed = await f.partner().post(pa(id, '/confirm'), { tan, amount, payee, signature: 'ab' });
    expect(mixed.status).toBe(400);
    const confirmed = await f.partner().post(pa(id, '/confirm'), {
      tan,
      amount: { ...amount, minor_units: 2 },
      payee,
      channel: 'web',
    });
    expect(confirmed.status).toBe(201);
    expect(confirmed.body.status).toBe('COMPLETED');
  });

  it('answers 404 for another person’s authorization when person_id is named, as the device routes do', async () => {
    const { person, id } = await bySms();
    expect((await f.partner().get(pa(id, `?person_id=${uniquePerson()}`))).status).toBe(404);
    expect((await f.partner().get(pa(id, `?person_id=${person}`))).body).toMatchObject({
      id,
      person_id: person,
    });
    expect((await f.partner().get(pa(id))).status).toBe(200);
  });

  it('shows HUF with ISO 4217’s two minor units', async () => {
    const { text } = await bySms({ body: { amount: { value: 150000, currency: 'HUF' } } });
    expect(text).toContain('of HUF 1,500.00 to');
  });

  it('stores, hashes and shows the normalized payee name, and confirms with either spelling', async () => {
    const fullwidth = { name: 'Ｍüller\u3000\u3000Bäckerei   GmbH', iban: payee.iban };
    const { id, opened, tan, text } = await bySms({ body: { payee: fullwidth } });
    expect(opened.payee.name).toBe('Müller Bäckerei GmbH');
    expect(opened.digest).toBe(
      sha256(canonical(id, 1250, 'EUR', 'Müller Bäckerei GmbH', `payee_iban:${IBAN}`)),
    );
    expect(text).toContain('to Müller Bäckerei GmbH (DE89 3704 0044 0532 0130 00)');
    const confirmed = await f.partner().post(pa(id, '/confirm'), { tan, amount, payee: fullwidth });
    expect(confirmed.status).toBe(201);
  });

  it('answers 422 for a person without a verified number, 404 for an unknown authorization', async () => {
    const none = await f.partner().post(create(uniquePerson()), { amount, payee, method: 'sms' });
    expect(none.status).toBe(422);
    expect(errorCode(none)).toBe('mobile_number_not_verified');
    expect((await f.partner().get(pa(`${'0'.repeat(32)}pauth`))).status).toBe(404);
    expect((await f.partner().get(pa('not-an-id'))).status).toBe(400);
  });

  it('needs a partner token, the receipt key set too', async () => {
    expect((await f.anonymous().get(pa(`${'0'.repeat(32)}pauth`))).status).toBe(401);
    expect((await f.anonymous().get('/v1/payment_authorizations/keys')).status).toBe(401);
    expect((await f.user(uniquePerson()).get('/v1/payment_authorizations/keys')).status).toBe(403);
  });

  it('keeps the payment text out of reauthorize, whose OTP is not bound to amount and payee', async () => {
    const { person } = await f.createVerifiedNumber(uniqueGermanNumber());
    const response = await f.partner().post(`/v1/persons/${person}/mobile_number/reauthorize`, {
      authorization_text_key: 'sms.payment.authorize',
      authorization_text_variables: { amount: '1 €', payee: 'x', tan: '{tan}' },
    });
    expect(response.status).toBe(422);
    expect(errorCode(response)).toBe('invalid_authorization_text_key');
  });
});

describe('the reference device client', () => {
  it('refuses to show or sign anything but the canonical form', () => {
    expect(() => readPaymentToSign('deadbeef')).toThrow();
    expect(() =>
      readPaymentToSign(
        'PAYMENT_AUTHORIZATION v1\nauthorization_id:x\namount:01\ncurrency:EUR\npayee_name:A\npayee_iban:X',
      ),
    ).toThrow();
    expect(
      paymentPrompt({
        authorizationId: 'x',
        amount: { value: 5, currency: 'EUR' },
        payee: { name: 'A', accountReference: 'R-1' },
      }),
    ).toBe('Pay €0.05 to A, account R-1?');
  });
});
