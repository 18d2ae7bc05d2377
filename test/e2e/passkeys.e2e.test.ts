import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { bind, generateDeviceKey, signHex } from '../../shared/devices/device-client.ts';
import { uniqueGermanNumber } from '../support/devices.ts';
import { useService } from '../support/fixture.ts';
import { SoftAuthenticator } from '../support/soft-authenticator.ts';

/**
 * Passkeys over HTTP on DynamoDB Local, with a software authenticator built in Node: binding (SMS OTP, then WebAuthn
 * registration), device challenges, change requests and payments answered by assertions, and every refusal the
 * issue names. The same flows run in Chromium with its virtual authenticator in test/browser/passkeys.browser.test.ts.
 */
const f = useService();
const REGISTRATIONS = '/v1/mfa/passkeys/registrations';
const errorCode = (response: { body: { errors: Array<{ code: string }> } }) => response.body.errors[0]!.code;
const challengeOf = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64url');
const amount = { value: 1250, currency: 'EUR' };
const payee = { name: 'Müller Bäckerei GmbH', iban: 'DE89370400440532013000' };

const authenticator = () =>
  new SoftAuthenticator({ origin: `http://localhost:${f.port}`, rpId: 'localhost' });

/** Steps 1 and 2 of a binding: the SMS OTP, then the creation options it unlocks. */
async function enrol(person: string, number: string) {
  const started = await f.api.post(REGISTRATIONS, { person_id: person, name: 'Laptop passkey' });
  expect(started.status).toBe(202);
  const options = await f.api.post(`${REGISTRATIONS}/${started.body.id}/options`, {
    tan: await f.lastSms(number),
  });
  expect(options.status).toBe(201);
  return { id: started.body.id as string, deviceId: started.body.device_id as string, options: options.body };
}

async function boundPasskey() {
  const { person, number } = await f.createVerifiedNumber(uniqueGermanNumber());
  const enrolment = await enrol(person, number);
  const passkey = authenticator();
  const done = await f.api.put(`${REGISTRATIONS}/${enrolment.id}`, {
    credential: passkey.register(enrolment.options),
  });
  expect(done.status).toBe(201);
  return { person, number, passkey, deviceId: done.body.id as string, device: done.body };
}

async function deviceChallenge(deviceId: string) {
  const started = await f.api.post('/v1/mfa/challenges/devices', { device_id: deviceId });
  expect(started.status).toBe(201);
  return started.body as { id: string; string_to_sign: string; webauthn: { challenge: string } };
}

const answer = (challengeId: string, webauthn: unknown) =>
  f.api.put(`/v1/mfa/challenges/devices/${challengeId}`, { webauthn });

describe('binding a passkey', () => {
  it('takes an SMS OTP, then a registration with user verification, and lists the device with its facts', async () => {
    const { person, device, passkey, deviceId } = await boundPasskey();
    expect(device).toMatchObject({
      status: 'active',
      person_id: person,
      device_type: 'passkey',
      passkey: {
        credential_id: passkey.id,
        aaguid: '00000000-0000-0000-0000-000000000000',
        backup_eligible: true,
        backup_state: true,
        transports: ['internal', 'hybrid'],
      },
    });
    const listed = await f.api.get(`/v1/mfa/devices?filter[person_id]=${person}`);
    expect(listed.body).toEqual([expect.objectContaining({ id: deviceId, device_type: 'passkey' })]);
    const keys = await f.api.get(`/v1/mfa/devices/${deviceId}/keys`);
    expect(keys.body[0].keys[0]).toMatchObject({ key_type: 'passkey', key_purpose: 'unrestricted' });
    await f.event('DEVICE_BOUND', (data) => data.device_id === deviceId);
  });

  it('asks for user verification and a resident key, and excludes the person’s passkeys', async () => {
    const first = await boundPasskey();
    const { options } = await enrol(first.person, first.number);
    expect(options).toMatchObject({
      rp: { id: 'localhost' },
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      excludeCredentials: [{ id: first.passkey.id, type: 'public-key' }],
    });
  });

  it('refuses a wrong OTP, a registration before the OTP, and a binding without a verified number', async () => {
    const { person, number } = await f.createVerifiedNumber(uniqueGermanNumber());
    const started = await f.api.post(REGISTRATIONS, { person_id: person, name: 'Passkey' });
    const early = await f.api.put(`${REGISTRATIONS}/${started.body.id}`, {
      credential: authenticator().register({ challenge: 'AAAA' }),
    });
    expect([early.status, errorCode(early)]).toEqual([409, 'otp_required']);
    const tan = await f.lastSms(number);
    const wrong = await f.api.post(`${REGISTRATIONS}/${started.body.id}/options`, {
      tan: tan === '000000' ? '111111' : '000000',
    });
    expect([wrong.status, errorCode(wrong)]).toEqual([403, 'invalid_tan']);
    const unverified = await f.api.post(REGISTRATIONS, { person_id: 'person-without-number', name: 'x' });
    expect([unverified.status, errorCode(unverified)]).toEqual([409, 'verified_mobile_number_required']);
  });

  it('refuses a registration from another origin, for another RP ID, or without user verification', async () => {
    const { person, number } = await f.createVerifiedNumber(uniqueGermanNumber());
    const enrolment = await enrol(person, number);
    for (const ceremony of [
      { origin: 'https://evil.example' },
      { rpId: 'evil.example' },
      { userVerified: false },
    ]) {
      const refused = await f.api.put(`${REGISTRATIONS}/${enrolment.id}`, {
        credential: authenticator().register(enrolment.options, ceremony),
      });
      expect([refused.status, errorCode(refused)]).toEqual([403, 'invalid_registration']);
    }
    const right = await f.api.put(`${REGISTRATIONS}/${enrolment.id}`, {
      credential: authenticator().register(enrolment.options),
    });
    expect(right.status).toBe(201);
    const again = await f.api.put(`${REGISTRATIONS}/${enrolment.id}`, {
      credential: authenticator().register(enrolment.options),
    });
    expect([again.status, errorCode(again)]).toEqual([403, 'challenge_used']);
  });

  it('keeps credential ids unique across persons', async () => {
    const { passkey } = await boundPasskey();
    const other = await f.createVerifiedNumber(uniqueGermanNumber());
    const enrolment = await enrol(other.person, other.number);
    const taken = await f.api.put(`${REGISTRATIONS}/${enrolment.id}`, {
      credential: passkey.register(enrolment.options),
    });
    expect([taken.status, errorCode(taken)]).toEqual([409, 'credential_exists']);
  });
});

describe('a passkey is a device', () => {
  it('counts toward the limit of 5, is revoked by a second-factor reset, and waits out the cooling-off', async () => {
    const { person, deviceId } = await boundPasskey();
    const token = await f.issuer.mint({ kind: 'partner' });
    for (let i = 0; i < 4; i++) {
      await bind(
        { baseUrl: f.url, token },
        { personId: person, name: `App ${i}`, keys: await generateDeviceKey() },
      );
    }
    const sixth = await f.api.post(REGISTRATIONS, { person_id: person, name: 'One too many' });
    expect([sixth.status, errorCode(sixth)]).toEqual([409, 'too_many_devices']);
    const reset = await f.operator().post(`/v1/operator/persons/${person}/second_factor_resets`, {
      reason: 'Lost laptop',
      revoke_devices: true,
    });
    expect(reset.status).toBeLessThan(300);
    expect((await f.api.get(`/v1/mfa/devices/${deviceId}`)).body.status).toBe('deleted');
    const cooling = await f.api.post(REGISTRATIONS, { person_id: person, name: 'Right after the reset' });
    expect([cooling.status, errorCode(cooling)]).toEqual([403, 'cooling_off_period']);
  });
});

describe('a passkey answers device challenges', () => {
  it('completes a challenge with an assertion over its derived challenge, once', async () => {
    const { passkey, deviceId } = await boundPasskey();
    const challenge = await deviceChallenge(deviceId);
    expect(challenge.webauthn).toEqual({
      challenge: challengeOf(challenge.string_to_sign),
      credential_id: passkey.id,
    });
    const assertion = passkey.assert(challenge.webauthn.challenge);
    expect((await answer(challenge.id, assertion)).status).toBe(204);
    const replayed = await answer(challenge.id, assertion);
    expect([replayed.status, errorCode(replayed)]).toEqual([403, 'challenge_used']);
  });

  it('refuses another origin, another RP ID, no user verification, another challenge, another credential', async () => {
    const { passkey, deviceId } = await boundPasskey();
    const stranger = await boundPasskey();
    const other = await deviceChallenge(deviceId);
    const challenge = await deviceChallenge(deviceId);
    const wrongs = [
      passkey.assert(challenge.webauthn.challenge, { origin: 'https://evil.example' }),
      passkey.assert(challenge.webauthn.challenge, { rpId: 'evil.example' }),
      passkey.assert(challenge.webauthn.challenge, { userVerified: false }),
      passkey.assert(other.webauthn.challenge),
    ];
    for (const wrong of wrongs) {
      const refused = await answer(challenge.id, wrong);
      expect([refused.status, errorCode(refused)]).toEqual([403, 'invalid_signature']);
    }
    // Another person's passkey, over the right challenge: still not this device's key.
    const foreign = await answer(challenge.id, stranger.passkey.assert(challenge.webauthn.challenge));
    expect([foreign.status, errorCode(foreign)]).toEqual([403, 'invalid_signature']);
  });

  it('refuses a counter that goes backwards and publishes PASSKEY_COUNTER_REGRESSED', async () => {
    const { passkey, deviceId, person } = await boundPasskey();
    const first = await deviceChallenge(deviceId);
    expect((await answer(first.id, passkey.assert(first.webauthn.challenge, { counter: 7 }))).status).toBe(
      204,
    );
    const second = await deviceChallenge(deviceId);
    const cloned = await answer(second.id, passkey.assert(second.webauthn.challenge, { counter: 3 }));
    expect([cloned.status, errorCode(cloned)]).toEqual([403, 'invalid_signature']);
    const event = await f.event('PASSKEY_COUNTER_REGRESSED', (data) => data.device_id === deviceId);
    expect(event.data).toMatchObject({
      person_id: person,
      credential_id: passkey.id,
      stored_counter: 7,
      presented_counter: 3,
    });
    expect((await answer(second.id, passkey.assert(second.webauthn.challenge, { counter: 8 }))).status).toBe(
      204,
    );
  });

  it('never takes an ECDSA signature for a passkey, nor an assertion for an app key', async () => {
    const { deviceId, person, passkey } = await boundPasskey();
    const keys = await generateDeviceKey();
    const challenge = await deviceChallenge(deviceId);
    const signed = await f.api.put(`/v1/mfa/challenges/devices/${challenge.id}`, {
      signature: await signHex(keys.privateKey, challenge.string_to_sign),
    });
    expect([signed.status, errorCode(signed)]).toEqual([403, 'invalid_signature']);
    const app = await bind(
      { baseUrl: f.url, token: await f.issuer.mint({ kind: 'partner' }) },
      { personId: person, name: 'App key', keys },
    );
    const appChallenge = await deviceChallenge(app.deviceId);
    expect(appChallenge.webauthn).toBeUndefined();
    const asserted = await answer(appChallenge.id, passkey.assert(challengeOf(appChallenge.string_to_sign)));
    expect([asserted.status, errorCode(asserted)]).toEqual([403, 'invalid_signature']);
  });

  it('confirms a change request (removing the verified number) with an assertion', async () => {
    const { person, number, passkey, deviceId } = await boundPasskey();
    const opened = await f.api.delete(`/v1/persons/${person}/mobile_number`, { number });
    expect(opened.status).toBe(202);
    const request = `/v1/change_requests/${opened.body.id}`;
    const authorized = await f.api.post(`${request}/authorize`, {
      delivery_method: 'device_signing',
      device_id: deviceId,
    });
    expect(authorized.status).toBe(201);
    const webauthn = passkey.assert(challengeOf(authorized.body.string_to_sign));
    const confirmed = await f.api.post(`${request}/confirm`, { device_id: deviceId, webauthn });
    expect([confirmed.status, confirmed.body.status]).toEqual([201, 'COMPLETED']);
  });
});

describe('a passkey approves payments', () => {
  async function openPayment(deviceId: string, person: string) {
    const opened = await f.api.post(`/v1/persons/${person}/payment_authorizations`, {
      amount,
      payee,
      method: 'device_signing',
      device_id: deviceId,
    });
    expect(opened.status).toBe(201);
    return opened.body;
  }

  const spcData = (view: { webauthn: { total: unknown; payee_name: string } }, overrides = {}) => ({
    rpId: 'localhost',
    topOrigin: `http://localhost:${f.port}`,
    payeeName: view.webauthn.payee_name,
    total: view.webauthn.total,
    instrument: { displayName: 'Passkey', icon: 'https://localhost/icon.png' },
    ...overrides,
  });

  it('takes an SPC assertion naming exactly amount, currency and payee, and signs a passkey receipt', async () => {
    const { passkey, deviceId, person } = await boundPasskey();
    const view = await openPayment(deviceId, person);
    expect(view.webauthn).toEqual({
      challenge: challengeOf(view.string_to_sign),
      credential_id: passkey.id,
      payee_name: payee.name,
      total: { currency: 'EUR', value: '12.50' },
    });
    const webauthn = passkey.assert(view.webauthn.challenge, { payment: spcData(view) });
    // A body mixing the assertion with another form's fields is refused before anything is checked.
    const confirm = (body: object) => f.api.post(`/v1/payment_authorizations/${view.id}/confirm`, body);
    expect((await confirm({ webauthn, signature: 'ab' })).status).toBe(400);
    expect((await confirm({ webauthn, tan: '123456', amount, payee })).status).toBe(400);
    const confirmed = await confirm({ webauthn, channel: 'web' });
    expect([confirmed.status, confirmed.body.status]).toEqual([201, 'COMPLETED']);
    expect(decodeJwt(confirmed.body.receipt)).toMatchObject({
      jti: view.id,
      method: 'passkey',
      credential_id: passkey.id,
      spc: true,
      device_id: deviceId,
      amount: 1250,
      currency: 'EUR',
    });
  });

  it('refuses SPC data naming another amount, currency or payee, and an assertion for another payment', async () => {
    const { passkey, deviceId, person } = await boundPasskey();
    const view = await openPayment(deviceId, person);
    const other = await openPayment(deviceId, person);
    const wrongs = [
      passkey.assert(view.webauthn.challenge, {
        payment: spcData(view, { total: { currency: 'EUR', value: '125.00' } }),
      }),
      passkey.assert(view.webauthn.challenge, {
        payment: spcData(view, { total: { currency: 'USD', value: '12.50' } }),
      }),
      passkey.assert(view.webauthn.challenge, { payment: spcData(view, { payeeName: 'Someone Else' }) }),
    ];
    for (const webauthn of wrongs) {
      const refused = await f.api.post(`/v1/payment_authorizations/${view.id}/confirm`, { webauthn });
      expect([refused.status, errorCode(refused)]).toEqual([403, 'invalid_signature']);
    }
    // Three wrong answers failed the first; an assertion made for it does not complete the second either.
    const crossed = await f.api.post(`/v1/payment_authorizations/${other.id}/confirm`, {
      webauthn: passkey.assert(view.webauthn.challenge, { payment: spcData(view) }),
    });
    expect([crossed.status, errorCode(crossed)]).toEqual([403, 'invalid_signature']);
    const right = await f.api.post(`/v1/payment_authorizations/${other.id}/confirm`, {
      webauthn: passkey.assert(other.webauthn.challenge),
    });
    expect(right.status).toBe(201);
    expect(decodeJwt(right.body.receipt)).toMatchObject({ method: 'passkey', spc: false });
  });
});
