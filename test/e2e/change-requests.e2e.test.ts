import { describe, expect, it } from 'vitest';
import { bindWithOpenssl } from '../support/devices.ts';
import { TestClock, uniquePerson, useService } from '../support/fixture.ts';
import { OpensslKey } from '../support/openssl.ts';

const clock = new TestClock();

const fixture = useService({ clock });
const api = fixture.api;

let nextSubscriber = 5000;
const freshNumber = () => `+49151${String(4000000 + nextSubscriber++).padStart(8, '0')}`;
const numberPath = (person: string, suffix = '') => `/v1/persons/${person}/mobile_number${suffix}`;
const cr = (id: string, suffix = '') => `/v1/change_requests/${id}${suffix}`;

/** A person with a verified number and an open change request to delete it. */
async function pendingDeletion(options: { language?: string } = {}) {
  const person = uniquePerson();
  const number = freshNumber();
  if (options.language)
    await api.put(`/v1/persons/${person}/language_settings`, { language: options.language });
  await api.post(numberPath(person), { number });
  await api.post(numberPath(person, '/authorize'), { number });
  const verified = await api.post(numberPath(person, '/confirm'), {
    number,
    token: await fixture.lastSms(number),
  });
  expect(verified.body.verified).toBe(true);
  const opened = await api.delete(numberPath(person), { number });
  expect(opened.status).toBe(202);
  return { person, number, id: opened.body.id as string, mobileNumberId: verified.body.id as string };
}

async function authorizedBySms(options: { language?: string } = {}) {
  const pending = await pendingDeletion(options);
  const response = await api.post(cr(pending.id, '/authorize'), {
    delivery_method: 'mobile_number',
    person_id: pending.person,
  });
  expect(response.status).toBe(201);
  return { ...pending, tan: await fixture.lastSms(pending.number), authorized: response.body };
}

const errorCode = (response: { body: { errors: Array<{ code: string }> } }) => response.body.errors[0]!.code;

describe('deleting a verified number by SMS TAN', () => {
  it('runs the whole flow: 202, authorize, TAN SMS, confirm, deletion, notice', async () => {
    const { person, number, id, tan, authorized, mobileNumberId } = await authorizedBySms({ language: 'de' });
    expect(authorized).toEqual({ id, status: 'CONFIRMATION_REQUIRED', updated_at: expect.any(String) });
    const tanSms = (await fixture.outbox()).filter((m) => m.to === number).at(-1)!;
    expect(tanSms.template_key).toBe('sms.mobile_number.confirm_deletion');
    expect(tanSms.text).toBe(
      `Um die Löschung Ihrer Handynummer freizugeben, nutzen Sie bitte folgende TAN: ${tan}`,
    );
    expect((await api.get(cr(id))).body.status).toBe('CONFIRMATION_REQUIRED');

    const confirmed = await api.post(cr(id, '/confirm'), { person_id: person, tan });
    expect(confirmed.status).toBe(201);
    expect(confirmed.body).toEqual({
      id,
      status: 'COMPLETED',
      updated_at: expect.any(String),
      response_code: 200,
      response_body: { id: mobileNumberId, number, verified: true },
    });
    expect((await api.get(numberPath(person))).status).toBe(404);
    const notice = (await fixture.outbox()).filter((m) => m.to === number).at(-1)!;
    expect(notice).toMatchObject({ template_key: 'sms.mobile_number.deleted_notification', language: 'de' });
    expect(notice.text).toContain(number);
    expect((await api.get(cr(id))).body).toMatchObject({ status: 'COMPLETED', response_code: 200 });
  });

  it('cannot be confirmed again once completed', async () => {
    const { person, id, tan } = await authorizedBySms();
    expect((await api.post(cr(id, '/confirm'), { person_id: person, tan })).status).toBe(201);
    const again = await api.post(cr(id, '/confirm'), { person_id: person, tan });
    expect(again.status).toBe(409);
    expect(errorCode(again)).toBe('change_request_closed');
    expect(
      (await api.post(cr(id, '/authorize'), { delivery_method: 'mobile_number', person_id: person })).status,
    ).toBe(409);
  });

  it('fails after 3 wrong TANs and deletes nothing', async () => {
    const { person, number, id, tan } = await authorizedBySms();
    const wrong = tan === '111111' ? '222222' : '111111';
    for (let i = 0; i < 3; i++) {
      const response = await api.post(cr(id, '/confirm'), { person_id: person, tan: wrong });
      expect(response.status).toBe(403);
      expect(errorCode(response)).toBe('invalid_tan');
    }
    expect((await api.get(cr(id))).body.status).toBe('FAILED');
    expect((await api.post(cr(id, '/confirm'), { person_id: person, tan })).status).toBe(409);
    expect((await api.get(numberPath(person))).body).toMatchObject({ number, verified: true });
  });

  it('expires after 5 minutes with 422 and deletes nothing', async () => {
    const { person, number, id, tan } = await authorizedBySms();
    clock.advance(301);
    const response = await api.post(cr(id, '/confirm'), { person_id: person, tan });
    expect(response.status).toBe(422);
    expect(errorCode(response)).toBe('change_request_expired');
    expect((await api.get(cr(id))).body.status).toBe('EXPIRED');
    expect((await api.get(numberPath(person))).body).toMatchObject({ number, verified: true });
  });

  it('expires when authorized too late', async () => {
    const { person, id } = await pendingDeletion();
    clock.advance(301);
    const response = await api.post(cr(id, '/authorize'), {
      delivery_method: 'mobile_number',
      person_id: person,
    });
    expect(response.status).toBe(422);
  });

  it('lets exactly one of 10 concurrent confirms complete', async () => {
    const { person, id, tan } = await authorizedBySms();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => api.post(cr(id, '/confirm'), { person_id: person, tan })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.every((r) => r.status === 201 || r.status === 403 || r.status === 409)).toBe(true);
    expect((await api.get(numberPath(person))).status).toBe(404);
  });

  it('charges a burst of 50 right TANs once: one 201, 49 × 409, and the daily budget is left for later checks', async () => {
    const { person, number, id, tan } = await authorizedBySms();
    const results = await Promise.all(
      Array.from({ length: 50 }, () => api.post(cr(id, '/confirm'), { person_id: person, tan })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    // The others lost the race to the winner: nothing was charged, and they see the request completed.
    const losers = results.filter((r) => r.status !== 201);
    expect(losers.map((r) => `${r.status} ${errorCode(r)}`)).toEqual(
      Array.from({ length: 49 }, () => '409 change_request_closed'),
    );
    expect((await api.get(numberPath(person))).status).toBe(404);

    // Of the day's 30 code checks, one verified the number and one confirmed the request: 28 are left for later
    // checks (the same burst charging its losers spent the whole day before the fix).
    await api.post(numberPath(person), { number });
    const answers: number[] = [];
    for (let check = 0; check < 28; check++) {
      if (check % 5 === 0) await api.post(numberPath(person, '/authorize'), { number });
      const otp = await fixture.lastSms(number);
      const wrong = otp === '000000' ? '000001' : '000000';
      answers.push((await api.post(numberPath(person, '/confirm'), { number, token: wrong })).status);
    }
    expect(answers).toEqual(Array.from({ length: 28 }, () => 403));
    await api.post(numberPath(person, '/authorize'), { number });
    const otp = await fixture.lastSms(number);
    expect((await api.post(numberPath(person, '/confirm'), { number, token: otp })).status).toBe(429);
  });

  it('only answers the owner: another person can neither authorize nor confirm', async () => {
    const { person, number, id, tan } = await authorizedBySms();
    const other = uniquePerson();
    expect(
      (await api.post(cr(id, '/authorize'), { delivery_method: 'mobile_number', person_id: other })).status,
    ).toBe(404);
    expect((await api.post(cr(id, '/confirm'), { person_id: other, tan })).status).toBe(404);
    expect((await api.get(numberPath(person))).body).toMatchObject({ number, verified: true });
  });

  it('replaces the TAN on a second authorize', async () => {
    const { person, number, id, tan } = await authorizedBySms();
    await api.post(cr(id, '/authorize'), { delivery_method: 'mobile_number', person_id: person });
    const second = await fixture.lastSms(number);
    if (second !== tan)
      expect((await api.post(cr(id, '/confirm'), { person_id: person, tan })).status).toBe(403);
    expect((await api.post(cr(id, '/confirm'), { person_id: person, tan: second })).status).toBe(201);
  });

  it('answers 409 for a confirm before any authorize, and 404 for an unknown request', async () => {
    const { person, id } = await pendingDeletion();
    const early = await api.post(cr(id, '/confirm'), { person_id: person, tan: '123456' });
    expect(early.status).toBe(409);
    expect(errorCode(early)).toBe('authorization_required');
    expect((await api.get(cr('nosuchrequestcchr'))).status).toBe(404);
    expect(
      (await api.post(cr('nosuchrequestcchr', '/confirm'), { person_id: person, tan: '123456' })).status,
    ).toBe(404);
  });

  it('refuses bad bodies with 400', async () => {
    const { person, id } = await pendingDeletion();
    expect(
      (await api.post(cr(id, '/authorize'), { delivery_method: 'carrier_pigeon', person_id: person })).status,
    ).toBe(400);
    expect((await api.post(cr(id, '/authorize'), { delivery_method: 'mobile_number' })).status).toBe(400);
    expect((await api.post(cr(id, '/confirm'), { person_id: person, tan: 123456 })).status).toBe(400);
    expect((await api.post(cr(id, '/confirm'), { tan: '123456' })).status).toBe(400);
  });

  it('counts the TAN SMS against the hourly SMS limits', async () => {
    const { person, id } = await pendingDeletion();
    const results = await Promise.all(
      Array.from({ length: 60 }, () =>
        api.post(cr(id, '/authorize'), { delivery_method: 'mobile_number', person_id: person }),
      ),
    );
    // One SMS (the verification OTP) already went to this person this hour; 29 more fit into their limit of 30.
    expect(results.filter((r) => r.status === 201)).toHaveLength(29);
    expect(results.filter((r) => r.status === 429)).toHaveLength(31);
  });
});

describe('deleting a verified number by device signing (signatures by the openssl CLI)', () => {
  async function withDevice() {
    const pending = await pendingDeletion();
    const key = OpensslKey.generate();
    const device = await bindWithOpenssl(fixture, { personId: pending.person, number: pending.number }, key);
    return { ...pending, key, deviceId: device.deviceId };
  }

  async function authorizedByDevice() {
    const ctx = await withDevice();
    const response = await api.post(cr(ctx.id, '/authorize'), {
      delivery_method: 'device_signing',
      device_id: ctx.deviceId,
    });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      id: ctx.id,
      status: 'CONFIRMATION_REQUIRED',
      updated_at: expect.any(String),
      string_to_sign: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    return { ...ctx, stringToSign: response.body.string_to_sign as string };
  }

  it('completes with the device signature over string_to_sign and deletes the number', async () => {
    const { person, number, id, key, deviceId, stringToSign, mobileNumberId } = await authorizedByDevice();
    const smsBefore = (await fixture.outbox()).filter((m) => m.to === number).length;
    const confirmed = await api.post(cr(id, '/confirm'), {
      device_id: deviceId,
      signature: key.sign(stringToSign),
    });
    expect(confirmed.status).toBe(201);
    expect(confirmed.body).toMatchObject({
      status: 'COMPLETED',
      response_code: 200,
      response_body: { id: mobileNumberId, number, verified: true },
    });
    expect((await api.get(numberPath(person))).status).toBe(404);
    const after = (await fixture.outbox()).filter((m) => m.to === number);
    expect(after.length).toBe(smsBefore + 1);
    expect(after.at(-1)!.template_key).toBe('sms.mobile_number.deleted_notification');
  });

  it('refuses a signature by another key or over another string with 403 invalid_tan, failing after 3', async () => {
    const { person, number, id, key, deviceId, stringToSign } = await authorizedByDevice();
    const other = OpensslKey.generate();
    const tries = [other.sign(stringToSign), key.sign(`${stringToSign}x`), other.sign('anything')];
    for (const signature of tries) {
      const response = await api.post(cr(id, '/confirm'), { device_id: deviceId, signature });
      expect(response.status).toBe(403);
      expect(errorCode(response)).toBe('invalid_tan');
    }
    expect((await api.get(cr(id))).body.status).toBe('FAILED');
    const late = await api.post(cr(id, '/confirm'), {
      device_id: deviceId,
      signature: key.sign(stringToSign),
    });
    expect(late.status).toBe(409);
    expect((await api.get(numberPath(person))).body).toMatchObject({ number, verified: true });
  });

  it('refuses malformed DER with 400 without charging an attempt', async () => {
    const { id, key, deviceId, stringToSign } = await authorizedByDevice();
    const good = key.sign(stringToSign);
    for (const signature of [`${good}00`, 'zz', good.slice(0, 20)]) {
      expect((await api.post(cr(id, '/confirm'), { device_id: deviceId, signature })).status).toBe(400);
    }
    expect((await api.post(cr(id, '/confirm'), { device_id: deviceId, signature: good })).status).toBe(201);
  });

  it('lets exactly one of 10 concurrent correct confirms complete', async () => {
    const { person, id, key, deviceId, stringToSign } = await authorizedByDevice();
    const signature = key.sign(stringToSign);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => api.post(cr(id, '/confirm'), { device_id: deviceId, signature })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect((await api.get(cr(id))).body.status).toBe('COMPLETED');
    expect((await api.get(numberPath(person))).status).toBe(404);
  });

  it('expires after 5 minutes and deletes nothing', async () => {
    const { person, id, key, deviceId, stringToSign } = await authorizedByDevice();
    clock.advance(301);
    const response = await api.post(cr(id, '/confirm'), {
      device_id: deviceId,
      signature: key.sign(stringToSign),
    });
    expect(response.status).toBe(422);
    expect((await api.get(numberPath(person))).body.verified).toBe(true);
  });

  it("accepts only the person's own active device", async () => {
    const { id } = await pendingDeletion();
    const stranger = await withDevice();
    const foreign = await api.post(cr(id, '/authorize'), {
      delivery_method: 'device_signing',
      device_id: stranger.deviceId,
    });
    expect(foreign.status).toBe(404);
    expect(
      (await api.post(cr(id, '/authorize'), { delivery_method: 'device_signing', device_id: 'nope' })).status,
    ).toBe(404);

    const own = await withDevice();
    expect((await api.delete(`/v1/mfa/devices/${own.deviceId}?person_id=${own.person}`)).status).toBe(204);
    const deleted = await api.post(cr(own.id, '/authorize'), {
      delivery_method: 'device_signing',
      device_id: own.deviceId,
    });
    expect(deleted.status).toBe(404);
  });

  it('cannot answer the request challenge through the public device-challenge route, nor with another device', async () => {
    const { person, number, id, key, deviceId, stringToSign } = await authorizedByDevice();
    const second = OpensslKey.generate();
    const secondDevice = await bindWithOpenssl(fixture, { personId: person, number }, second);
    const wrongDevice = await api.post(cr(id, '/confirm'), {
      device_id: secondDevice.deviceId,
      signature: second.sign(stringToSign),
    });
    expect(wrongDevice.status).toBe(404);
    const { body } = await api.get(cr(id));
    expect(body.status).toBe('CONFIRMATION_REQUIRED');
    expect(
      (await api.post(cr(id, '/confirm'), { device_id: deviceId, signature: key.sign(stringToSign) })).status,
    ).toBe(201);
  });

  it('answers 422 when confirmed by a method other than the one it was authorized with', async () => {
    const { person, id } = await authorizedByDevice();
    const response = await api.post(cr(id, '/confirm'), { person_id: person, tan: '123456' });
    expect(response.status).toBe(422);
    expect(errorCode(response)).toBe('delivery_method_mismatch');
  });
});
