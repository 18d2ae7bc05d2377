import { describe, expect, it } from 'vitest';
import { bind, generateDeviceKey, publicKeyHex, signHex } from '../../shared/devices/device-client.ts';
import { bindBody, bindWithOpenssl, verifiedPerson } from '../support/devices.ts';
import { TestClock, uniquePerson, useService } from '../support/fixture.ts';
import { OpensslKey } from '../support/openssl.ts';

const clock = new TestClock();

const fixture = useService({ clock });
const api = fixture.api;

const DEVICES = '/v1/mfa/devices';
const signatures = (id: string) => `/v1/mfa/challenges/signatures/${id}`;
const ISO_SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

describe('binding with a key made by the openssl CLI', () => {
  it('sends the OTP by SMS with the app hash as last line, accepts the signature, and activates the device', async () => {
    const person = await verifiedPerson(fixture);
    const key = OpensslKey.generate();
    const started = await api.post(
      DEVICES,
      bindBody(person.personId, key.publicKeyHex(), {
        sms_challenge: { app_signature: 'e2e-e2e-e2e' },
        language: 'en',
      }),
    );
    expect(started.status).toBe(202);
    expect(started.body).toEqual({
      id: expect.any(String),
      key_id: expect.any(String),
      challenge: {
        id: expect.any(String),
        type: 'signature',
        created_at: '2026-11-22T10:00:00Z',
        expires_at: '2026-11-22T10:05:00Z',
      },
    });
    const sms = (await fixture.outbox()).at(-1)!;
    expect(sms.to).toBe(person.number);
    expect(sms.text).toMatch(/^\d{6} is your OTP for authorization\ne2e-e2e-e2e$/);

    const pending = await api.get(`${DEVICES}/${started.body.id}`);
    expect(pending.body).toMatchObject({ status: 'pending', deleted_at: null });

    const otp = await fixture.lastSms(person.number);
    const done = await api.put(signatures(started.body.challenge.id), { signature: key.sign(otp) });
    expect(done.status).toBe(204);

    expect((await api.get(signatures(started.body.challenge.id))).body).toEqual({
      ...started.body.challenge,
      status: 'completed',
    });
    expect((await api.get(`${DEVICES}/${started.body.id}`)).body).toEqual({
      id: started.body.id,
      name: 'Test device',
      person_id: person.personId,
      created_at: '2026-11-22T10:00:00Z',
      deleted_at: null,
      status: 'active',
      device_type: 'ecdsa-p256',
    });
    const keys = await api.get(`${DEVICES}/${started.body.id}/keys/${started.body.key_id}`);
    expect(keys.body).toEqual({
      key_id: started.body.key_id,
      key_purpose: 'unrestricted',
      key_type: 'ecdsa-p256',
      used_at: expect.stringMatching(ISO_SECONDS),
    });
    const bound = await fixture.event('DEVICE_BOUND', (data) => data.device_id === started.body.id);
    expect(bound.data).toEqual({
      device_id: started.body.id,
      person_id: person.personId,
      key_id: started.body.key_id,
      key_purpose: 'unrestricted',
      name: 'Test device',
    });
  });

  it('writes the SMS in German or French when asked', async () => {
    const person = await verifiedPerson(fixture);
    for (const [language, text] of [
      ['de', /^\d{6} ist Ihre OTP zur Autorisierung$/],
      ['fr', /^Voici votre code OTP \d{6} pour l'autorisation$/],
    ] as const) {
      const started = await api.post(
        DEVICES,
        bindBody(person.personId, OpensslKey.generate().publicKeyHex(), { language }),
      );
      expect(started.status).toBe(202);
      expect((await fixture.outbox()).at(-1)).toMatchObject({ to: person.number, language });
      expect((await fixture.outbox()).at(-1)!.text).toMatch(text);
    }
  });

  it('a restricted key binds with key_purpose restricted', async () => {
    const person = await verifiedPerson(fixture);
    const device = await bindWithOpenssl(fixture, person, OpensslKey.generate(), {
      key_purpose: 'restricted',
    });
    const key = await api.get(`${DEVICES}/${device.deviceId}/keys/${device.keyId}`);
    expect(key.body.key_purpose).toBe('restricted');
  });
});

describe('binding with the reference client (WebCrypto)', () => {
  it('binds, reading the OTP from the local outbox, with raw r||s converted to DER', async () => {
    const person = await verifiedPerson(fixture);
    const keys = await generateDeviceKey();
    const device = await bind(
      { baseUrl: fixture.url, token: await fixture.issuer.mint({ kind: 'partner' }) },
      { personId: person.personId, name: 'Pixel', keys },
    );
    const read = await api.get(`${DEVICES}/${device.deviceId}`);
    expect(read.body).toMatchObject({ status: 'active', name: 'Pixel', person_id: person.personId });
  });

  it('a raw r||s signature (what WebCrypto returns) is refused with 400', async () => {
    const person = await verifiedPerson(fixture);
    const keys = await generateDeviceKey();
    const started = await api.post(DEVICES, bindBody(person.personId, await publicKeyHex(keys.publicKey)));
    const otp = await fixture.lastSms(person.number);
    const raw = Buffer.from(
      await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, keys.privateKey, Buffer.from(otp)),
    ).toString('hex');
    const refused = await api.put(signatures(started.body.challenge.id), { signature: raw });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].source.field).toBe('signature');
    const accepted = await api.put(signatures(started.body.challenge.id), {
      signature: await signHex(keys.privateKey, otp),
    });
    expect(accepted.status).toBe(204);
  });
});

describe('bind preconditions and bad input', () => {
  it('refuses a person without a mobile number or with an unverified one (409), sending no SMS', async () => {
    const key = OpensslKey.generate().publicKeyHex();
    const before = (await fixture.outbox()).length;
    const none = await api.post(DEVICES, bindBody(uniquePerson(), key));
    expect(none.status).toBe(409);
    expect(none.body.errors[0].code).toBe('verified_mobile_number_required');

    const unverified = uniquePerson();
    await api.post(`/v1/persons/${unverified}/mobile_number`, { number: '+4915199999999' });
    const refused = await api.post(DEVICES, bindBody(unverified, key));
    expect(refused.status).toBe(409);
    expect((await fixture.outbox()).length).toBe(before);
  });

  it('refuses every malformed field with 400 naming it', async () => {
    const person = await verifiedPerson(fixture);
    const openssl = OpensslKey.generate();
    const good = openssl.publicKeyHex();
    const offCurve = `${good.slice(0, 128)}${((Number.parseInt(good.slice(128), 16) + 1) % 256).toString(16).padStart(2, '0')}`;
    const cases: Array<[Record<string, unknown>, string, RegExp?]> = [
      [{ key_type: 'rsa-2048' }, 'key_type', /ecdsa-p256/],
      [{ key: offCurve }, 'key', /not a point on the P-256 curve/],
      [{ key: openssl.publicKeyHex('compressed') }, 'key', /compressed points are not accepted/],
      [{ key: `zz${good.slice(2)}` }, 'key', /must be hex/],
      [{ key: good.slice(0, 128) }, 'key', /130 hex characters/],
      [{ key: `05${good.slice(2)}` }, 'key'],
      [{ key: '04'.padEnd(130, '0') }, 'key', /not a point/],
      [{ key_purpose: 'admin' }, 'key_purpose'],
      [{ challenge_type: 'email' }, 'challenge_type'],
      [{ language: 'it' }, 'language'],
      [{ name: '' }, 'name'],
      [{ name: 'x'.repeat(101) }, 'name'],
      [{ name: 'bad\u0000name' }, 'name'],
      [{ sms_challenge: { app_signature: 'short' } }, 'sms_challenge.app_signature'],
    ];
    for (const [override, field, detail] of cases) {
      const response = await api.post(DEVICES, { ...bindBody(person.personId, good), ...override });
      expect(response.status, JSON.stringify(override)).toBe(400);
      if (field) expect(response.body.errors[0].source.field).toBe(field);
      if (detail) expect(response.body.errors[0].detail).toMatch(detail);
    }
    const withoutName = bindBody(person.personId, good) as Record<string, unknown>;
    delete withoutName.name;
    expect((await api.post(DEVICES, withoutName)).status).toBe(400);
  });
});

describe('the binding signature', () => {
  async function started() {
    const person = await verifiedPerson(fixture);
    const key = OpensslKey.generate();
    const response = await api.post(DEVICES, bindBody(person.personId, key.publicKeyHex()));
    const otp = await fixture.lastSms(person.number);
    return { person, key, otp, challengeId: response.body.challenge.id, deviceId: response.body.id };
  }

  it('refuses DER with trailing bytes and garbage hex with 400, charging no attempt', async () => {
    const { key, otp, challengeId } = await started();
    const good = key.sign(otp);
    for (let i = 0; i < 6; i++) {
      expect((await api.put(signatures(challengeId), { signature: `${good}00` })).status).toBe(400);
    }
    expect((await api.put(signatures(challengeId), { signature: 'not-hex' })).status).toBe(400);
    expect((await api.put(signatures(challengeId), { signature: good.slice(0, -2) })).status).toBe(400);
    expect((await api.put(signatures(challengeId), { signature: good })).status).toBe(204);
  });

  it('refuses a signature by another key and one over a different OTP (403)', async () => {
    const { key, otp, challengeId } = await started();
    const other = await api.put(signatures(challengeId), { signature: OpensslKey.generate().sign(otp) });
    expect(other.status).toBe(403);
    expect(other.body.errors[0].code).toBe('invalid_signature');
    const wrongOtp = otp === '000000' ? '000001' : '000000';
    expect((await api.put(signatures(challengeId), { signature: key.sign(wrongOtp) })).status).toBe(403);
    expect((await api.put(signatures(challengeId), { signature: key.sign(otp) })).status).toBe(204);
  });

  it('burns the challenge after 5 wrong signatures: even the right one is then 403', async () => {
    const { key, otp, challengeId } = await started();
    for (let i = 0; i < 5; i++) {
      expect((await api.put(signatures(challengeId), { signature: key.sign(`${i}`) })).status).toBe(403);
    }
    const late = await api.put(signatures(challengeId), { signature: key.sign(otp) });
    expect(late.status).toBe(403);
    expect(late.body.errors[0].code).toBe('challenge_failed');
    expect((await api.get(signatures(challengeId))).body.status).toBe('failed');
  });

  it('is single use: a reused challenge answers 403', async () => {
    const { key, otp, challengeId } = await started();
    expect((await api.put(signatures(challengeId), { signature: key.sign(otp) })).status).toBe(204);
    const again = await api.put(signatures(challengeId), { signature: key.sign(otp) });
    expect(again.status).toBe(403);
    expect(again.body.errors[0].code).toBe('challenge_used');
  });

  it('expires after 5 minutes (422) and GET shows it expired', async () => {
    const { key, otp, challengeId, deviceId } = await started();
    clock.advance(300);
    const late = await api.put(signatures(challengeId), { signature: key.sign(otp) });
    expect(late.status).toBe(422);
    expect(late.body.errors[0].code).toBe('challenge_expired');
    expect((await api.get(signatures(challengeId))).body.status).toBe('expired');
    expect((await api.get(`${DEVICES}/${deviceId}`)).body.status).toBe('pending');
  });

  it('cannot complete once the pending device was deleted (404)', async () => {
    const { key, otp, challengeId, deviceId } = await started();
    expect((await api.delete(`${DEVICES}/${deviceId}`)).status).toBe(204);
    expect((await api.put(signatures(challengeId), { signature: key.sign(otp) })).status).toBe(404);
  });

  it('answers 404 for an unknown challenge and 400 for an id that is not one', async () => {
    expect((await api.get(signatures(crypto.randomUUID()))).status).toBe(404);
    expect((await api.get(signatures('abc'))).status).toBe(400);
  });

  it('of two and of twenty concurrent correct answers, exactly one gets 204', async () => {
    for (const n of [2, 20]) {
      const { key, otp, challengeId, person } = await started();
      const signature = key.sign(otp);
      const results = await Promise.all(
        Array.from({ length: n }, () => api.put(signatures(challengeId), { signature })),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 204)).toHaveLength(1);
      expect(statuses.every((s) => s === 204 || s === 403)).toBe(true);
      const list = await api.get(`${DEVICES}?filter[person_id]=${person.personId}`);
      expect(list.body).toHaveLength(1);
    }
  });
});

describe('at most 5 bound devices per person', () => {
  it('six bindings completed concurrently: five 204 and one 409; a sixth start is 409', async () => {
    const person = await verifiedPerson(fixture);
    const pending = [];
    for (let i = 0; i < 6; i++) {
      const key = OpensslKey.generate();
      const response = await api.post(DEVICES, bindBody(person.personId, key.publicKeyHex()));
      expect(response.status).toBe(202);
      pending.push({
        key,
        challengeId: response.body.challenge.id,
        otp: await fixture.lastSms(person.number),
      });
    }
    const results = await Promise.all(
      pending.map((p) => api.put(signatures(p.challengeId), { signature: p.key.sign(p.otp) })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([204, 204, 204, 204, 204, 409]);
    expect(results.find((r) => r.status === 409)!.body.errors[0].code).toBe('too_many_devices');

    const seventh = await api.post(DEVICES, bindBody(person.personId, OpensslKey.generate().publicKeyHex()));
    expect(seventh.status).toBe(409);
    expect(seventh.body.errors[0].code).toBe('too_many_devices');

    const list = await api.get(`${DEVICES}?filter[person_id]=${person.personId}`);
    expect(list.body).toHaveLength(5);
    expect((await api.delete(`${DEVICES}/${list.body[0].id}`)).status).toBe(204);
    expect(
      (await api.post(DEVICES, bindBody(person.personId, OpensslKey.generate().publicKeyHex()))).status,
    ).toBe(202);
  });
});
