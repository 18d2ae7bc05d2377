import { describe, expect, it } from 'vitest';
import { bindBody, bindWithOpenssl, verifiedPerson } from '../support/devices.ts';
import { TestClock, uniquePerson, useService } from '../support/fixture.ts';
import { OpensslKey } from '../support/openssl.ts';

const clock = new TestClock();
const f = useService({ clock });

const resets = (person: string) => `/v1/operator/persons/${person}/second_factor_resets`;
const timeline = (person: string, query = '') => `/v1/operator/persons/${person}/security_timeline${query}`;
const DAY = 24 * 3600;

/** A verified person with two bound devices and German as SMS language. */
async function personWithDevices() {
  const api = f.partner();
  const person = await verifiedPerson(f);
  await api.put(`/v1/persons/${person.personId}/language_settings`, { language: 'de' });
  const first = await bindWithOpenssl(f, person, OpensslKey.generate());
  const second = await bindWithOpenssl(f, person, OpensslKey.generate());
  return { ...person, deviceIds: [first.deviceId, second.deviceId] };
}

/** Every entry of the person's timeline, walking the pages. */
async function wholeTimeline(person: string, size: number) {
  const entries: Array<{ id: string; type: string; time: string; data: Record<string, unknown> }> = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query: string = `?page[size]=${size}${cursor ? `&page[cursor]=${encodeURIComponent(cursor)}` : ''}`;
    const page = await f.operator().get(timeline(person, query));
    expect(page.status).toBe(200);
    expect(page.body.events.length).toBeLessThanOrEqual(size);
    entries.push(...page.body.events);
    cursor = page.body.next_cursor;
    pages++;
  } while (cursor && pages < 50);
  return { entries, pages };
}

describe('second-factor reset', () => {
  it('removes the verified number and revokes every device in one go, audited, and tells the old number', async () => {
    const person = await personWithDevices();
    const smsBefore = (await f.outbox()).length;

    const reset = await f.operator().post(resets(person.personId), {
      reason: 'Lost phone; identity checked by video call (case 4711)',
      remove_mobile_number: true,
      revoke_devices: true,
      operator: 'someone-else',
    });
    expect(reset.status).toBe(201);
    expect(reset.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}sfr$/),
      person_id: person.personId,
      operator: 'local-operator',
      reason: 'Lost phone; identity checked by video call (case 4711)',
      remove_mobile_number: true,
      revoke_devices: true,
      removed_mobile_number: `${person.number.slice(0, 6)}******${person.number.slice(-2)}`,
      revoked_device_ids: expect.arrayContaining(person.deviceIds),
      cooling_off_until: new Date(clock.now().getTime() + DAY * 1000).toISOString(),
      notified: true,
      created_at: clock.now().toISOString(),
    });
    expect(reset.body.revoked_device_ids).toHaveLength(2);

    const api = f.partner();
    expect((await api.get(`/v1/persons/${person.personId}/mobile_number`)).status).toBe(404);
    for (const id of person.deviceIds) {
      expect((await api.get(`/v1/mfa/devices/${id}`)).body).toMatchObject({ status: 'deleted' });
    }
    const listed = await api.get(`/v1/mfa/devices?filter[person_id]=${person.personId}`);
    expect(listed.body).toEqual([]);

    const sent = (await f.outbox()).slice(smsBefore);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      to: person.number,
      template_key: 'sms.second_factor.reset_notification',
      language: 'de',
    });
    expect(sent[0]!.text).toContain('Kundenservice');

    const audit = await f.event('SECOND_FACTOR_RESET', (data) => data.person_id === person.personId);
    expect(audit.data).toEqual({
      id: reset.body.id,
      person_id: person.personId,
      operator: 'local-operator',
      reason: reset.body.reason,
      removed_mobile_number: reset.body.removed_mobile_number,
      revoked_device_ids: reset.body.revoked_device_ids,
      cooling_off_until: reset.body.cooling_off_until,
    });
    await f.event('PERSON_MOBILE_NUMBER_DELETED', (data) => data.person_id === person.personId);
    await f.event('COOLING_OFF_STARTED', (data) => data.person_id === person.personId);
  });

  it('takes the operator from the token, never from the body', async () => {
    const person = await verifiedPerson(f);
    const token = await f.issuer.mint({ kind: 'operator', clientId: 'support-desk-7' });
    const reset = await f.withToken(token).post(resets(person.personId), {
      reason: 'SIM lost',
      remove_mobile_number: true,
      operator: 'not-me',
    });
    expect(reset.status).toBe(201);
    expect(reset.body.operator).toBe('support-desk-7');
    expect(reset.body.revoked_device_ids).toEqual([]);
  });

  it('can revoke the devices and keep the number, and then tells the number that remains', async () => {
    const person = await personWithDevices();
    const smsBefore = (await f.outbox()).length;
    const reset = await f.operator().post(resets(person.personId), {
      reason: 'Stolen phone',
      revoke_devices: true,
    });
    expect(reset.status).toBe(201);
    expect(reset.body).toMatchObject({ removed_mobile_number: null, notified: true });
    expect(reset.body.revoked_device_ids.sort()).toEqual([...person.deviceIds].sort());
    const number = await f.partner().get(`/v1/persons/${person.personId}/mobile_number`);
    expect(number.body).toMatchObject({ number: person.number, verified: true });
    const sent = (await f.outbox()).slice(smsBefore);
    expect(sent).toEqual([
      expect.objectContaining({ to: person.number, template_key: 'sms.second_factor.reset_notification' }),
    ]);
  });

  it.each([
    [{ remove_mobile_number: true }, 'reason'],
    [{ reason: '', remove_mobile_number: true }, 'reason'],
    [{ reason: '   ', remove_mobile_number: true }, 'reason'],
    [{ reason: 42, remove_mobile_number: true }, 'reason'],
    [{ reason: 'x' }, 'remove_mobile_number'],
    [{ reason: 'x', remove_mobile_number: false, revoke_devices: false }, 'remove_mobile_number'],
    [{ reason: 'x', remove_mobile_number: 'yes' }, 'remove_mobile_number'],
  ])('refuses %j with 400 naming %s', async (body, field) => {
    const answer = await f.operator().post(resets(uniquePerson()), body);
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0]).toMatchObject({ status: 400, code: 'validation_error', source: { field } });
  });

  it('answers 409 nothing_to_reset when the person has none of what is named', async () => {
    const answer = await f.operator().post(resets(uniquePerson()), {
      reason: 'check',
      remove_mobile_number: true,
      revoke_devices: true,
    });
    expect(answer.status).toBe(409);
    expect(answer.body.errors[0]).toMatchObject({
      code: 'nothing_to_reset',
      detail: 'The person has no mobile number and no bound device.',
    });
  });
});

describe('security timeline', () => {
  it("lists every event of the person, newest first, page by page, and nobody else's", async () => {
    const person = await personWithDevices();
    const other = await verifiedPerson(f);
    clock.advance(1);
    await f.operator().post(resets(person.personId), {
      reason: 'Lost phone',
      remove_mobile_number: true,
      revoke_devices: true,
    });

    const all = await wholeTimeline(person.personId, 100);
    const types = all.entries.map((entry) => entry.type);
    expect(types.filter((type) => type === 'DEVICE_BOUND')).toHaveLength(2);
    expect(types.filter((type) => type === 'DEVICE_DELETED')).toHaveLength(2);
    expect(types).toContain('PERSON_MOBILE_NUMBER_CREATED');
    expect(types).toContain('PERSON_MOBILE_NUMBER_VERIFIED');
    expect(types).toContain('PERSON_MOBILE_NUMBER_DELETED');
    expect(types).toContain('SECOND_FACTOR_RESET');
    expect(types).toContain('COOLING_OFF_STARTED');
    expect(all.entries.every((entry) => entry.data.person_id === person.personId)).toBe(true);
    // The reset and what it did share the newest time; everything before it is older.
    const times = all.entries.map((entry) => Date.parse(entry.time));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(types.indexOf('PERSON_MOBILE_NUMBER_CREATED')).toBeGreaterThan(
      types.indexOf('SECOND_FACTOR_RESET'),
    );

    const paged = await wholeTimeline(person.personId, 2);
    expect(paged.entries.map((entry) => entry.id)).toEqual(all.entries.map((entry) => entry.id));
    expect(paged.pages).toBe(Math.ceil(all.entries.length / 2));

    const others = await wholeTimeline(other.personId, 100);
    // Created and verified on the same (test) clock reading: in one time, order is not defined.
    expect(others.entries.map((entry) => entry.type).sort()).toEqual([
      'PERSON_MOBILE_NUMBER_CREATED',
      'PERSON_MOBILE_NUMBER_VERIFIED',
    ]);
  });

  it('records verifications and a burst of wrong codes, once per burnt code', async () => {
    const person = await verifiedPerson(f);
    const path = `/v1/persons/${person.personId}/mobile_number`;
    await f.partner().post(`${path}/reauthorize`, { authorization_text_key: 'sms.two_factor.authenticate' });
    const otp = await f.lastSms(person.number);
    const wrong = otp === '000000' ? '000001' : '000000';
    for (let i = 0; i < 6; i++) {
      expect(
        (await f.partner().post(`${path}/confirm`, { number: person.number, token: wrong })).status,
      ).toBe(403);
    }
    const { entries } = await wholeTimeline(person.personId, 100);
    const verified = entries.filter((entry) => entry.type === 'PERSON_MOBILE_NUMBER_VERIFIED');
    expect(verified).toHaveLength(1);
    expect(verified[0]!.data).toMatchObject({ person_id: person.personId, number: person.number });
    const bursts = entries.filter((entry) => entry.type === 'CODE_ATTEMPTS_EXHAUSTED');
    expect(bursts).toHaveLength(1);
    expect(bursts[0]!.data).toEqual({
      person_id: person.personId,
      code: 'mobile_number',
      mobile_number_id: verified[0]!.data.id,
      attempts: 5,
    });
  });

  it('shows the cooling-off window while it lasts, and after', async () => {
    const person = await verifiedPerson(f);
    const before = await f.operator().get(timeline(person.personId));
    expect(before.body).toMatchObject({ person_id: person.personId, cooling_off: null, next_cursor: null });
    const reset = await f
      .operator()
      .post(resets(person.personId), { reason: 'x', remove_mobile_number: true });
    const during = await f.operator().get(timeline(person.personId));
    expect(during.body.cooling_off).toEqual({
      cause: 'second_factor_reset',
      started_at: reset.body.created_at,
      until: reset.body.cooling_off_until,
      active: true,
    });
    clock.advance(DAY);
    const after = await f.operator().get(timeline(person.personId));
    expect(after.body.cooling_off).toMatchObject({ until: reset.body.cooling_off_until, active: false });
  });

  it("refuses a cursor that is not one of this person's timeline", async () => {
    const person = await personWithDevices();
    const other = await verifiedPerson(f);
    const first = await f.operator().get(timeline(person.personId, '?page[size]=1'));
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const cursor = encodeURIComponent(first.body.next_cursor);
    const foreign = await f.operator().get(timeline(other.personId, `?page[cursor]=${cursor}`));
    expect(foreign.status).toBe(400);
    expect(foreign.body.errors[0]).toMatchObject({ source: { field: 'page[cursor]' } });
    const garbage = await f.operator().get(timeline(person.personId, '?page[cursor]=bm90LWpzb24'));
    expect(garbage.status).toBe(400);
    // The issue's crafted cursor: a table key with an empty GSI sort key, base64. It used to reach DynamoDB (500).
    const crafted = Buffer.from(
      JSON.stringify({
        PK: 'OUTBOX#x',
        SK: 'EVENT',
        GSI1PK: `PERSON#${person.personId}#TIMELINE`,
        GSI1SK: '',
      }),
    ).toString('base64url');
    const forged = await f.operator().get(timeline(person.personId, `?page[cursor]=${crafted}`));
    expect(forged.status).toBe(400);
    expect(forged.body.errors[0]).toMatchObject({
      code: 'validation_error',
      source: { field: 'page[cursor]' },
    });
    // The real cursor shows no key of the table, and an edited one (its position changed, the tag kept) is refused.
    const real = Buffer.from(first.body.next_cursor.split('.')[0], 'base64url').toString('utf8');
    expect(`${first.body.next_cursor} ${real}`).not.toMatch(/OUTBOX|GSI1|PERSON#|"PK"/);
    const [, tag] = first.body.next_cursor.split('.');
    const edited = `${Buffer.from(JSON.stringify(['2000-01-01T00:00:00.000Z', 'x'])).toString('base64url')}.${tag}`;
    const tampered = await f.operator().get(timeline(person.personId, `?page[cursor]=${edited}`));
    expect(tampered.status).toBe(400);
    const size = await f.operator().get(timeline(person.personId, '?page[size]=101'));
    expect(size.status).toBe(400);
  });
});

describe('SIM-swap cooling-off', () => {
  it('refuses new device bindings for 24 hours after a reset, then allows them', async () => {
    const person = await verifiedPerson(f);
    await f.operator().post(resets(person.personId), { reason: 'Lost phone', remove_mobile_number: true });
    const until = new Date(clock.now().getTime() + DAY * 1000).toISOString();
    // The person registers and verifies a new number by SMS: that stays possible.
    const renewed = await f.createVerifiedNumber(person.number, person.personId);
    expect(renewed.person).toBe(person.personId);

    const key = OpensslKey.generate();
    const refused = await f.partner().post('/v1/mfa/devices', bindBody(person.personId, key.publicKeyHex()));
    expect(refused.status).toBe(403);
    expect(refused.body.errors[0]).toMatchObject({ code: 'cooling_off_period', status: 403 });
    expect(refused.body.errors[0].detail).toContain(until);

    clock.advance(DAY - 1);
    expect(
      (await f.partner().post('/v1/mfa/devices', bindBody(person.personId, key.publicKeyHex()))).status,
    ).toBe(403);
    clock.advance(1);
    const bound = await bindWithOpenssl(f, person, key);
    expect(bound.deviceId).toEqual(expect.any(String));
  });

  it('refuses to complete a binding started before the reset', async () => {
    const person = await verifiedPerson(f);
    const key = OpensslKey.generate();
    const started = await f.partner().post('/v1/mfa/devices', bindBody(person.personId, key.publicKeyHex()));
    expect(started.status).toBe(202);
    const otp = await f.lastSms(person.number);
    await f
      .operator()
      .post(resets(person.personId), { reason: 'Suspicious binding', remove_mobile_number: true });
    const answer = await f
      .partner()
      .put(`/v1/mfa/challenges/signatures/${started.body.challenge.id}`, { signature: key.sign(otp) });
    expect(answer.status).toBe(403);
    expect(answer.body.errors[0].code).toBe('cooling_off_period');
  });

  it('refuses to confirm, in the window, a device-signed request authorized before it', async () => {
    const api = f.partner();
    const person = await verifiedPerson(f);
    const key = OpensslKey.generate();
    const device = await bindWithOpenssl(f, person, key);
    const opened = await api.delete(`/v1/persons/${person.personId}/mobile_number`, {
      number: person.number,
    });
    const authorized = await api.post(`/v1/change_requests/${opened.body.id}/authorize`, {
      delivery_method: 'device_signing',
      device_id: device.deviceId,
    });
    expect(authorized.status).toBe(201);
    await f
      .operator()
      .post(resets(person.personId), { reason: 'Phone reported stolen', remove_mobile_number: true });
    const confirmed = await api.post(`/v1/change_requests/${opened.body.id}/confirm`, {
      device_id: device.deviceId,
      signature: key.sign(authorized.body.string_to_sign),
    });
    expect(confirmed.status).toBe(403);
    expect(confirmed.body.errors[0].code).toBe('cooling_off_period');
    expect(confirmed.body.errors[0].detail).toMatch(/^Confirming a change request with a device signature/);
  });

  it('starts when a verified number is removed through a change request, and refuses device-signed requests', async () => {
    const api = f.partner();
    const person = await verifiedPerson(f);
    const key = OpensslKey.generate();
    const device = await bindWithOpenssl(f, person, key);
    // Remove the verified number: a change request confirmed with the SMS TAN.
    const opened = await api.delete(`/v1/persons/${person.personId}/mobile_number`, {
      number: person.number,
    });
    expect(opened.status).toBe(202);
    await api.post(`/v1/change_requests/${opened.body.id}/authorize`, {
      delivery_method: 'mobile_number',
      person_id: person.personId,
    });
    const tan = await f.lastSms(person.number);
    const done = await api.post(`/v1/change_requests/${opened.body.id}/confirm`, {
      person_id: person.personId,
      tan,
    });
    expect(done.status).toBe(201);
    await f.event('COOLING_OFF_STARTED', (data) => data.person_id === person.personId);
    const { entries } = await wholeTimeline(person.personId, 100);
    const requestEvents = entries.filter((entry) => entry.data.id === opened.body.id);
    // Opened and completed on one test-clock reading: sorted, as their order within one time is not defined.
    expect(requestEvents.map((entry) => [entry.type, entry.data.action]).sort()).toEqual([
      ['CHANGE_REQUEST_COMPLETED', 'mobile_number.delete'],
      ['CHANGE_REQUEST_OPENED', 'mobile_number.delete'],
    ]);
    expect(
      requestEvents.find((entry) => entry.type === 'CHANGE_REQUEST_COMPLETED')!.data.delivery_method,
    ).toBe('mobile_number');

    // A new number, and a change request to remove it, authorized by the bound device: refused in the window.
    const next = await f.createVerifiedNumber(person.number, person.personId);
    const request = await api.delete(`/v1/persons/${next.person}/mobile_number`, { number: person.number });
    expect(request.status).toBe(202);
    const byDevice = await api.post(`/v1/change_requests/${request.body.id}/authorize`, {
      delivery_method: 'device_signing',
      device_id: device.deviceId,
    });
    expect(byDevice.status).toBe(403);
    expect(byDevice.body.errors[0].code).toBe('cooling_off_period');
    expect(
      (await api.post('/v1/mfa/devices', bindBody(person.personId, OpensslKey.generate().publicKeyHex())))
        .status,
    ).toBe(403);

    clock.advance(DAY);
    // That request has expired meanwhile; a fresh one may now be authorized by the device.
    const fresh = await api.delete(`/v1/persons/${next.person}/mobile_number`, { number: person.number });
    const later = await api.post(`/v1/change_requests/${fresh.body.id}/authorize`, {
      delivery_method: 'device_signing',
      device_id: device.deviceId,
    });
    expect(later.status).toBe(201);
    expect(later.body.string_to_sign).toEqual(expect.any(String));
  });
});

describe('cooling-off when a new number replaces a verified one', () => {
  it('starts again when the replacement is verified, even after the removal window ended', async () => {
    const api = f.partner();
    const person = await verifiedPerson(f);
    const opened = await api.delete(`/v1/persons/${person.personId}/mobile_number`, {
      number: person.number,
    });
    await api.post(`/v1/change_requests/${opened.body.id}/authorize`, {
      delivery_method: 'mobile_number',
      person_id: person.personId,
    });
    const tan = await f.lastSms(person.number);
    expect(
      (await api.post(`/v1/change_requests/${opened.body.id}/confirm`, { person_id: person.personId, tan }))
        .status,
    ).toBe(201);
    clock.advance(DAY + 60);
    const replacement = `+49152${person.number.slice(6)}`;
    await f.createVerifiedNumber(replacement, person.personId);
    const window = (await f.operator().get(timeline(person.personId))).body.cooling_off;
    expect(window).toEqual({
      cause: 'mobile_number_replaced',
      started_at: clock.now().toISOString(),
      until: new Date(clock.now().getTime() + DAY * 1000).toISOString(),
      active: true,
    });
    const refused = await api.post(
      '/v1/mfa/devices',
      bindBody(person.personId, OpensslKey.generate().publicKeyHex()),
    );
    expect(refused.status).toBe(403);
    expect(refused.body.errors[0].detail).toContain('a new mobile number replaced the verified one');
  });
});

describe('who may call the operator API', () => {
  const routes = [
    ['POST', resets('person-1')],
    ['GET', timeline('person-1')],
  ] as const;
  const body = { reason: 'x', remove_mobile_number: true };

  it.each(routes)('%s %s: partner token 403, user token 403, no token 401', async (method, path) => {
    const callers = [
      [f.partner(), 403, 'insufficient_scope'],
      [f.user('person-1'), 403, 'insufficient_scope'],
      [f.anonymous(), 401, 'unauthorized'],
    ] as const;
    for (const [caller, status, code] of callers) {
      const answer = await caller.raw(method, path, method === 'POST' ? body : undefined);
      expect(answer.status).toBe(status);
      expect(answer.body.errors[0]).toMatchObject({ status, code });
    }
  });

  it('refuses an operator token on the partner API and on the end-user API', async () => {
    const partnerRoute = await f.operator().get('/v1/persons/person-1/mobile_number');
    expect(partnerRoute.status).toBe(403);
    expect(partnerRoute.body.errors[0].code).toBe('insufficient_scope');
    const userRoute = await f.operator().get('/auth/v1/users/me/phone');
    expect(userRoute.status).toBe(403);
    expect(userRoute.body).toMatchObject({ code: 7 });
  });

  it('refuses a token carrying the operator scope and another one', async () => {
    const token = await f.issuer.mint(
      { kind: 'operator' },
      { claims: { scope: 'phone-security/operator phone-security/partner' } },
    );
    const api = f.withToken(token);
    expect((await api.get(timeline('person-1'))).status).toBe(403);
    expect((await api.get('/v1/persons/person-1/mobile_number')).status).toBe(403);
  });
});
