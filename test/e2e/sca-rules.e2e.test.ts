import { describe, expect, it } from 'vitest';
import { bind, generateDeviceKey, publicKeyHex, signHex } from '../../shared/devices/device-client.ts';
import { bindBody, uniqueGermanNumber, verifiedPerson } from '../support/devices.ts';
import { type Fixture, TestClock, useService } from '../support/fixture.ts';
import { OpensslKey } from '../support/openssl.ts';

/**
 * The rules of the SCA policy table (shared/sca/policy.ts), each driven over HTTP as an attacker or a bank would:
 * the binding signature spends the daily budget, a code lives only as long as the number it went to, payments are
 * refused during the SIM-swap cooling-off, and a revoked device's challenges and payments are void.
 */
const clock = new TestClock();
const f = useService({ clock });

const DAY = 24 * 3600;
const resets = (person: string) => `/v1/operator/persons/${person}/second_factor_resets`;
const payments = (person: string) => `/v1/persons/${person}/payment_authorizations`;
const payment = (id: string, suffix = '') => `/v1/payment_authorizations/${id}${suffix}`;
const amount = { value: 950_000, currency: 'EUR' };
const payee = { name: 'Garage Schmidt', iban: 'DE89 3704 0044 0532 0130 00' };

/** The TAN is the last six-digit group of the payment SMS. */
async function lastTan(fixture: Fixture, number: string): Promise<string> {
  const sms = (await fixture.outbox()).filter((entry) => entry.to === number).at(-1)!;
  return [...sms.text.matchAll(/\b\d{6}\b/g)].at(-1)![0];
}

async function smsPayment(fixture: Fixture, person: string, number: string) {
  const opened = await fixture.partner().post(payments(person), { amount, payee, method: 'sms' });
  expect(opened.status).toBe(201);
  return { id: opened.body.id as string, tan: await lastTan(fixture, number) };
}

const confirmTan = (fixture: Fixture, id: string, tan: string) =>
  fixture.partner().post(payment(id, '/confirm'), { amount, payee, tan });

async function boundDevice(fixture: Fixture) {
  const { person, number } = await fixture.createVerifiedNumber(uniqueGermanNumber());
  const keys = await generateDeviceKey();
  const device = await bind(
    { baseUrl: fixture.url, token: await fixture.service.issuer.mint({ kind: 'partner' }) },
    { personId: person, name: 'Phone', keys },
  );
  return { person, number, keys, ...device };
}

describe('the binding signature is a guess', () => {
  it('checks at most 30 of 35 wrong binding signatures a day, and then refuses even a right one with 429', async () => {
    const person = await verifiedPerson(f);
    const keys = await generateDeviceKey();
    const publicKey = await publicKeyHex(keys.publicKey);
    const key = {
      publicKeyHex: () => publicKey,
      sign: (message: string) => signHex(keys.privateKey, message),
    };
    const answers: number[] = [];
    let challenge = '';
    let otp = '';
    for (let guess = 0; guess < 35; guess++) {
      if (guess % 5 === 0) {
        // Five wrong answers burn a challenge; the attacker starts another binding with a key of their own.
        const started = await f
          .partner()
          .post('/v1/mfa/devices', bindBody(person.personId, key.publicKeyHex()));
        if (started.status !== 202) {
          answers.push(started.status);
          continue;
        }
        challenge = started.body.challenge.id;
        otp = await f.lastSms(person.number);
      }
      const wrong = otp === '000000' ? '000001' : '000000';
      const answer = await f
        .partner()
        .put(`/v1/mfa/challenges/signatures/${challenge}`, { signature: await key.sign(wrong) });
      answers.push(answer.status);
    }
    // The number's own confirmation was the day's first check: 29 guesses are left of 30, the other 6 get 429.
    const checked = answers.filter((status) => status === 403).length;
    expect(checked).toBe(29);
    expect(answers.slice(0, 29).every((status) => status === 403)).toBe(true);
    expect(answers.slice(29).every((status) => status === 429)).toBe(true);

    // With the day spent, not even the right signature is checked.
    const started = await f.partner().post('/v1/mfa/devices', bindBody(person.personId, key.publicKeyHex()));
    expect(started.status).toBe(202);
    const right = await f.partner().put(`/v1/mfa/challenges/signatures/${started.body.challenge.id}`, {
      signature: await key.sign(await f.lastSms(person.number)),
    });
    expect(right.status).toBe(429);
    // A day later the budget has room again: the answer is looked at, and the challenge has expired meanwhile (422).
    clock.advance(DAY);
    const again = await f.partner().put(`/v1/mfa/challenges/signatures/${started.body.challenge.id}`, {
      signature: await key.sign(await f.lastSms(person.number)),
    });
    expect(again.status).toBe(422);
    // 42 requests with key generation and signing: generous room on a loaded 2-core machine.
  }, 120_000);

  it('shares the budget with typed codes: wrong payment TANs leave binding signatures unchecked', async () => {
    const { person, number } = await f.createVerifiedNumber(uniqueGermanNumber());
    // The number's confirmation and 29 wrong TANs (10 payments, at most 3 each) spend the 30 checks of the day.
    for (let i = 0; i < 10; i++) {
      const { id, tan } = await smsPayment(f, person, number);
      const wrong = tan === '000000' ? '000001' : '000000';
      for (let attempt = 0; attempt < (i === 9 ? 2 : 3); attempt++) {
        expect((await confirmTan(f, id, wrong)).status).toBe(403);
      }
    }
    const key = OpensslKey.generate();
    const started = await f.partner().post('/v1/mfa/devices', bindBody(person, key.publicKeyHex()));
    expect(started.status).toBe(202);
    const answer = await f.partner().put(`/v1/mfa/challenges/signatures/${started.body.challenge.id}`, {
      signature: key.sign(await f.lastSms(number)),
    });
    expect(answer.status).toBe(429);
  }, 120_000);
});

describe('a code lives only as long as the number it went to', () => {
  it('refuses a payment TAN sent before an operator reset, even once the same number is verified again', async () => {
    const { person, number } = await f.createVerifiedNumber(uniqueGermanNumber());
    const { id, tan } = await smsPayment(f, person, number);
    const reset = await f
      .operator()
      .post(resets(person), { reason: 'Lost phone', remove_mobile_number: true });
    expect(reset.status).toBe(201);
    expect((await confirmTan(f, id, tan)).status).toBe(403);

    await f.createVerifiedNumber(number, person);
    const answer = await confirmTan(f, id, tan);
    expect(answer.status).toBe(403);
    expect(answer.body.errors[0].code).toBe('invalid_tan');
    const after = await f.partner().get(payment(id));
    expect(after.body.status).not.toBe('COMPLETED');
    expect(after.body.receipt).toBeUndefined();
  });

  it('refuses a payment TAN once its number was removed by a change request', async () => {
    const { person, number } = await f.createVerifiedNumber(uniqueGermanNumber());
    const { id, tan } = await smsPayment(f, person, number);
    const removal = await f.openNumberRemoval(person, number);
    const removed = await f
      .partner()
      .post(`${removal.changeRequest}/confirm`, { person_id: person, tan: removal.tan });
    expect(removed.status).toBe(201);
    expect((await confirmTan(f, id, tan)).status).toBe(403);
  });

  it('refuses a payment TAN once the person removed their phone themselves', async () => {
    const { person, number } = await f.createVerifiedNumber(uniqueGermanNumber());
    const { id, tan } = await smsPayment(f, person, number);
    const me = f.user(person);
    expect((await me.delete('/auth/v1/users/me/phone')).status).toBe(400);
    const removed = await me.delete('/auth/v1/users/me/phone', { code: await f.lastSms(number) });
    expect(removed.status).toBe(200);
    expect((await confirmTan(f, id, tan)).status).toBe(403);
  });

  it('refuses a change request TAN sent to a number that an operator reset removed and the person verified again', async () => {
    const { person, number } = await f.createVerifiedNumber(uniqueGermanNumber());
    const removal = await f.openNumberRemoval(person, number);
    await f.operator().post(resets(person), { reason: 'Lost phone', remove_mobile_number: true });
    await f.createVerifiedNumber(number, person);
    const answer = await f
      .partner()
      .post(`${removal.changeRequest}/confirm`, { person_id: person, tan: removal.tan });
    expect(answer.status).toBe(403);
    expect((await f.partner().get(`/v1/persons/${person}/mobile_number`)).body.verified).toBe(true);
  });
});

describe('payments during the SIM-swap cooling-off', () => {
  it('refuses an SMS payment after a reset and a newly verified number, saying when the window ends', async () => {
    const { person, number } = await f.createVerifiedNumber(uniqueGermanNumber());
    const reset = await f.operator().post(resets(person), { reason: 'New SIM', remove_mobile_number: true });
    const until = reset.body.cooling_off_until as string;
    const fresh = uniqueGermanNumber();
    await f.createVerifiedNumber(fresh, person);
    const smsBefore = (await f.outbox()).length;
    const refused = await f.partner().post(payments(person), { amount, payee, method: 'sms' });
    expect(refused.status).toBe(403);
    expect(refused.body.errors[0]).toMatchObject({ code: 'cooling_off_period', status: 403 });
    expect(refused.body.errors[0].detail).toContain(until);
    expect((await f.outbox()).length).toBe(smsBefore);
    expect(number).not.toBe(fresh);

    clock.advance(DAY);
    expect((await f.partner().post(payments(person), { amount, payee, method: 'sms' })).status).toBe(201);
  });

  it('refuses a device-signed payment during the window a number removal started', async () => {
    const device = await boundDevice(f);
    const removal = await f.openNumberRemoval(device.person, device.number);
    await f
      .partner()
      .post(`${removal.changeRequest}/confirm`, { person_id: device.person, tan: removal.tan });
    const refused = await f.partner().post(payments(device.person), {
      amount,
      payee,
      method: 'device_signing',
      device_id: device.deviceId,
    });
    expect(refused.status).toBe(403);
    expect(refused.body.errors[0].code).toBe('cooling_off_period');
  });
});

describe('a revoked device', () => {
  it('voids its pending device-signed payment and its pending device challenge', async () => {
    const device = await boundDevice(f);
    const opened = await f.partner().post(payments(device.person), {
      amount,
      payee,
      method: 'device_signing',
      device_id: device.deviceId,
    });
    expect(opened.status).toBe(201);
    const challenge = await f.partner().post('/v1/mfa/challenges/devices', { device_id: device.deviceId });
    expect(challenge.status).toBe(201);
    expect((await f.partner().delete(`/v1/mfa/devices/${device.deviceId}`)).status).toBe(204);

    const signature = await signHex(device.keys.privateKey, opened.body.string_to_sign);
    const answer = await f.partner().post(payment(opened.body.id, '/confirm'), { signature });
    expect(answer.status).toBe(404);
    expect((await f.partner().get(payment(opened.body.id))).body.status).not.toBe('COMPLETED');
    const signed = await f.partner().put(`/v1/mfa/challenges/devices/${challenge.body.id}`, {
      signature: await signHex(device.keys.privateKey, challenge.body.string_to_sign),
    });
    expect(signed.status).toBe(404);
  });
  it('voids a change request it was to sign: the confirmation is refused once the device is deleted', async () => {
    const device = await boundDevice(f);
    const opened = await f
      .partner()
      .delete(`/v1/persons/${device.person}/mobile_number`, { number: device.number });
    expect(opened.status).toBe(202);
    const changeRequest = `/v1/change_requests/${opened.body.id}`;
    const authorized = await f.partner().post(`${changeRequest}/authorize`, {
      delivery_method: 'device_signing',
      device_id: device.deviceId,
    });
    expect(authorized.status).toBe(201);
    expect((await f.partner().delete(`/v1/mfa/devices/${device.deviceId}`)).status).toBe(204);
    const answer = await f.partner().post(`${changeRequest}/confirm`, {
      device_id: device.deviceId,
      signature: await signHex(device.keys.privateKey, authorized.body.string_to_sign),
    });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect((await f.partner().get(changeRequest)).body.status).not.toBe('COMPLETED');
    expect((await f.partner().get(`/v1/persons/${device.person}/mobile_number`)).body.verified).toBe(true);
  });
});

describe('operator resets notify', () => {
  it('tells the verified number of a devices-only reset', async () => {
    const device = await boundDevice(f);
    const before = (await f.outbox()).length;
    const reset = await f
      .operator()
      .post(resets(device.person), { reason: 'Stolen phone', revoke_devices: true });
    expect(reset.body.notified).toBe(true);
    const sent = (await f.outbox()).slice(before);
    expect(sent).toEqual([
      expect.objectContaining({ to: device.number, template_key: 'sms.second_factor.reset_notification' }),
    ]);
  });
});

describe('a payment threshold for the cooling-off', () => {
  const g = useService({
    clock,
    env: { COOLING_OFF_PAYMENT_THRESHOLD: '5000', COOLING_OFF_PAYMENT_CURRENCY: 'EUR' },
  });

  it('lets a payment below the configured amount through during the window, and refuses one at it', async () => {
    const { person } = await g.createVerifiedNumber(uniqueGermanNumber());
    await g.operator().post(resets(person), { reason: 'New SIM', remove_mobile_number: true });
    await g.createVerifiedNumber(uniqueGermanNumber(), person);
    const small = await g.partner().post(payments(person), {
      amount: { value: 4999, currency: 'EUR' },
      payee,
      method: 'sms',
    });
    expect(small.status).toBe(201);
    const large = await g.partner().post(payments(person), {
      amount: { value: 5000, currency: 'EUR' },
      payee,
      method: 'sms',
    });
    expect(large.status).toBe(403);
    const other = await g.partner().post(payments(person), {
      amount: { value: 100, currency: 'GBP' },
      payee,
      method: 'sms',
    });
    expect(other.status).toBe(403);
  });
});
