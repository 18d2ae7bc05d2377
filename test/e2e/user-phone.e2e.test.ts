import { describe, expect, it } from 'vitest';
import { TestClock, uniquePerson, useService } from '../support/fixture.ts';

const clock = new TestClock();
const ME = '/auth/v1/users/me/phone';

const fixture = useService({ clock });

const asUser = (person: string) => fixture.user(person);
const partner = () => fixture.partner();
/** A different real-looking German mobile number per test, so SMS quotas and outbox lookups never collide. */
let serial = 1000;
const germanNumber = () => `+49151234${String(serial++).padStart(5, '0')}`;

/** Zitadel's error details: one zitadel.v1.ErrorDetail. */
const zitadelDetails = [
  {
    '@type': 'type.googleapis.com/zitadel.v1.ErrorDetail',
    id: expect.any(String),
    message: expect.any(String),
  },
];

const sequenceOf = (body: { details: { sequence: string } }) => Number(body.details.sequence);

describe('the Zitadel flow: set, resend, verify, remove', () => {
  it('works end to end with the sequence increasing at every change', async () => {
    const person = uniquePerson();
    const me = asUser(person);
    const number = germanNumber();
    const sequences: number[] = [];

    const set = await me.put(ME, { phone: number.replace('+49151', '+49 151 ') });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({
      details: {
        sequence: expect.stringMatching(/^\d+$/),
        creationDate: clock.now().toISOString(),
        changeDate: clock.now().toISOString(),
        resourceOwner: person,
      },
    });
    sequences.push(sequenceOf(set.body));
    const firstCode = await fixture.lastSms(number);

    const read = await me.get(ME);
    expect(read.body).toEqual({
      details: set.body.details,
      phone: { phone: number, isPhoneVerified: false },
    });

    clock.advance(5);
    const resent = await me.post(`${ME}/_resend_verification`, {});
    expect(resent.status).toBe(200);
    expect(resent.body.details.changeDate).toBe(clock.now().toISOString());
    expect(resent.body.details.creationDate).toBe(set.body.details.creationDate);
    sequences.push(sequenceOf(resent.body));
    const code = await fixture.lastSms(number);

    if (code !== firstCode) {
      const stale = await me.post(`${ME}/_verify`, { code: firstCode });
      expect(stale.status).toBe(400);
      expect(stale.body).toEqual({ code: 3, message: expect.any(String), details: zitadelDetails });
    }
    const verified = await me.post(`${ME}/_verify`, { code });
    expect(verified.status).toBe(200);
    sequences.push(sequenceOf(verified.body));
    expect((await me.get(ME)).body).toMatchObject({ phone: { phone: number, isPhoneVerified: true } });
    // One resource, two APIs: the partner sees the same verified number.
    expect((await partner().get(`/v1/persons/${person}/mobile_number`)).body).toMatchObject({
      number,
      verified: true,
    });

    const again = await me.post(`${ME}/_verify`, { code });
    expect(again.status).toBe(400);
    expect(again.body.code).toBe(9);

    const ask = await me.delete(ME);
    expect(ask.status).toBe(400);
    expect(ask.body).toEqual({ code: 9, message: expect.stringContaining('code'), details: zitadelDetails });
    const sms = (await fixture.outbox()).at(-1)!;
    expect(sms).toMatchObject({ to: number, template_key: 'sms.mobile_number.confirm_deletion' });
    const removalCode = await fixture.lastSms(number);
    sequences.push(sequenceOf((await me.get(ME)).body));

    const removed = await me.delete(ME, { code: removalCode });
    expect(removed.status).toBe(200);
    sequences.push(sequenceOf(removed.body));
    expect((await me.get(ME)).body).toEqual({
      code: 5,
      message: expect.any(String),
      details: zitadelDetails,
    });
    expect((await me.get(ME)).status).toBe(404);

    for (let i = 1; i < sequences.length; i++) expect(sequences[i]).toBeGreaterThan(sequences[i - 1]!);
  });

  it('counts the partner API changes in the same sequence', async () => {
    const person = uniquePerson();
    const number = germanNumber();
    await partner().post(`/v1/persons/${person}/mobile_number`, { number });
    const before = sequenceOf((await asUser(person).get(ME)).body);
    await partner().post(`/v1/persons/${person}/mobile_number/authorize`, { number });
    const after = sequenceOf((await asUser(person).get(ME)).body);
    expect(after).toBeGreaterThan(before);
  });

  it('replaces an unverified phone and sends the new one a code', async () => {
    const me = asUser(uniquePerson());
    const first = germanNumber();
    const second = germanNumber();
    await me.put(ME, { phone: first });
    const replaced = await me.put(ME, { phone: second });
    expect(replaced.status).toBe(200);
    expect((await me.get(ME)).body).toMatchObject({ phone: { phone: second, isPhoneVerified: false } });
    const verified = await me.post(`${ME}/_verify`, { code: await fixture.lastSms(second) });
    expect(verified.status).toBe(200);
  });

  it('removes an unverified phone without a code', async () => {
    const me = asUser(uniquePerson());
    await me.put(ME, { phone: germanNumber() });
    expect((await me.delete(ME)).status).toBe(200);
    expect((await me.get(ME)).status).toBe(404);
  });
});

describe('rules a user cannot get around', () => {
  async function verifiedUser() {
    const person = uniquePerson();
    const me = asUser(person);
    const number = germanNumber();
    await me.put(ME, { phone: number });
    expect((await me.post(`${ME}/_verify`, { code: await fixture.lastSms(number) })).status).toBe(200);
    return { person, me, number };
  }

  it('refuses isVerified: true with 7 and stores nothing', async () => {
    const me = asUser(uniquePerson());
    const response = await me.put(ME, { phone: germanNumber(), isVerified: true });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe(7);
    expect((await me.get(ME)).status).toBe(404);
  });

  it('accepts isVerified: false', async () => {
    expect((await asUser(uniquePerson()).put(ME, { phone: germanNumber(), isVerified: false })).status).toBe(
      200,
    );
  });

  it('ignores an unknown field (clients send newer fields)', async () => {
    const me = asUser(uniquePerson());
    const number = germanNumber();
    expect((await me.put(ME, { phone: number, verified: true, newerField: 'x' })).status).toBe(200);
    expect((await me.get(ME)).body.phone).toEqual({ phone: number, isPhoneVerified: false });
  });

  it.each([
    ['an invalid number', { phone: '+49 123' }],
    ['a missing phone', {}],
  ])('answers %s with 3', async (_, body) => {
    const response = await asUser(uniquePerson()).put(ME, body);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ code: 3, message: expect.any(String), details: zitadelDetails });
  });

  it.each([
    ['empty', ''],
    ['201 characters', 'x'.repeat(201)],
  ])('refuses a verification code that is %s with 3', async (_, code) => {
    const me = asUser(uniquePerson());
    await me.put(ME, { phone: germanNumber() });
    const response = await me.post(`${ME}/_verify`, { code });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe(3);
  });

  it('never replaces a verified phone in passing', async () => {
    const { me, number } = await verifiedUser();
    const response = await me.put(ME, { phone: germanNumber() });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe(9);
    expect((await me.get(ME)).body).toMatchObject({ phone: { phone: number, isPhoneVerified: true } });
  });

  it('does not take a pending verification code as a removal code', async () => {
    const { person, me, number } = await verifiedUser();
    // The partner's 2FA challenge leaves a verification-scope code pending on the verified number.
    await partner().post(`/v1/persons/${person}/mobile_number/reauthorize`, {
      authorization_text_key: 'sms.two_factor.authenticate',
    });
    const twoFactorCode = await fixture.lastSms(number);
    await me.delete(ME);
    const removalCode = await fixture.lastSms(number);
    expect(removalCode === twoFactorCode).toBe(false);
    const response = await me.delete(ME, { code: twoFactorCode });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe(3);
    expect((await me.get(ME)).body.phone.isPhoneVerified).toBe(true);
  });

  it('burns the removal code after the attempt limit', async () => {
    const { me, number } = await verifiedUser();
    await me.delete(ME);
    const removalCode = await fixture.lastSms(number);
    const wrong = removalCode === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) expect((await me.delete(ME, { code: wrong })).body.code).toBe(3);
    expect((await me.delete(ME, { code: removalCode })).body.code).toBe(3);
    expect((await me.get(ME)).body.phone.isPhoneVerified).toBe(true);
  });

  it('lets exactly one of many parallel removals with the right code win', async () => {
    const { me, number } = await verifiedUser();
    await me.delete(ME);
    const removalCode = await fixture.lastSms(number);
    const results = await Promise.all(Array.from({ length: 8 }, () => me.delete(ME, { code: removalCode })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect((await me.get(ME)).status).toBe(404);
  });

  it('rejects a removal code once the code has expired', async () => {
    const { me, number } = await verifiedUser();
    await me.delete(ME);
    const removalCode = await fixture.lastSms(number);
    clock.advance(301);
    expect((await me.delete(ME, { code: removalCode })).body.code).toBe(3);
  });
});

describe('person A and person B', () => {
  it("A's token never reads or changes B's phone", async () => {
    const a = uniquePerson();
    const b = uniquePerson();
    const numberB = germanNumber();
    await asUser(b).put(ME, { phone: numberB });
    const codeB = await fixture.lastSms(numberB);

    const asA = asUser(a);
    expect((await asA.get(ME)).status).toBe(404);
    expect((await asA.post(`${ME}/_verify`, { code: codeB })).status).toBe(404);
    expect((await asA.post(`${ME}/_resend_verification`, {})).status).toBe(404);
    expect((await asA.delete(ME)).status).toBe(404);
    // Query strings and headers naming B change nothing: the person comes from the token only.
    expect((await asA.get(`${ME}?person_id=${b}&user_id=${b}`, { 'x-person-id': b })).status).toBe(404);
    expect((await asA.get(`/v1/persons/${b}/mobile_number`)).status).toBe(403);

    await asA.put(ME, { phone: germanNumber() });
    expect((await asUser(b).get(ME)).body).toMatchObject({
      phone: { phone: numberB, isPhoneVerified: false },
    });
    expect((await asUser(b).post(`${ME}/_verify`, { code: codeB })).status).toBe(200);
  });
});
