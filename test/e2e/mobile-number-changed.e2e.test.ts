import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueGermanNumber } from '../support/devices.ts';
import { type Fixture, startService, TestClock, uniquePerson } from '../support/fixture.ts';

let fixture: Fixture;
let api: ReturnType<Fixture['partner']>;
const clock = new TestClock();

beforeAll(async () => {
  fixture = await startService({ clock });
  api = fixture.partner();
});
afterAll(() => fixture.close());

const path = (person: string, suffix = '') => `/v1/persons/${person}/mobile_number${suffix}`;
const ME = '/auth/v1/users/me/phone';
const CHANGED = 'sms.mobile_number.changed_notification';

/** Removes the person's verified number through a change request confirmed with the SMS TAN. */
async function removeVerified(person: string, number: string) {
  const { changeRequest: cr, tan } = await fixture.openNumberRemoval(person, number);
  expect((await api.post(`${cr}/confirm`, { person_id: person, tan })).body.status).toBe('COMPLETED');
}

async function verifyNew(person: string, number: string) {
  expect((await api.post(path(person), { number })).status).toBe(201);
  expect((await api.post(path(person, '/authorize'), { number })).status).toBe(201);
  const token = await fixture.lastSms(number);
  expect((await api.post(path(person, '/confirm'), { number, token })).body.verified).toBe(true);
}

const changedNotices = async (to: string) =>
  (await fixture.outbox()).filter((sms) => sms.to === to && sms.template_key === CHANGED);

describe('Changed Notification', () => {
  it('goes to the old number, in the person language, when a new number is verified after the old one was removed', async () => {
    const person = uniquePerson();
    await api.put(`/v1/persons/${person}/language_settings`, { language: 'de' });
    const { number: old } = await fixture.createVerifiedNumber(uniqueGermanNumber(), person);
    expect(await changedNotices(old)).toEqual([]);
    await removeVerified(person, old);
    const fresh = uniqueGermanNumber();
    await verifyNew(person, fresh);

    const notices = await changedNotices(old);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ person_id: person, language: 'de' });
    expect(notices[0]!.text).toBe(`Ihre Handynummer ${old} wurde durch ${fresh} ersetzt`);
    expect(await changedNotices(fresh)).toEqual([]);

    // Used up: the next verification of yet another number tells only the number it replaces.
    await removeVerified(person, fresh);
    const third = uniqueGermanNumber();
    await verifyNew(person, third);
    expect(await changedNotices(old)).toHaveLength(1);
    expect((await changedNotices(fresh))[0]!.text).toBe(
      `Ihre Handynummer ${fresh} wurde durch ${third} ersetzt`,
    );
  });

  it('is not sent when the same number is verified again, or for a first number', async () => {
    const person = uniquePerson();
    const { number } = await fixture.createVerifiedNumber(uniqueGermanNumber(), person);
    await removeVerified(person, number);
    await verifyNew(person, number);
    expect(await changedNotices(number)).toEqual([]);
  });

  it('is not sent when the old number was removed more than 30 days before', async () => {
    const person = uniquePerson();
    const { number: old } = await fixture.createVerifiedNumber(uniqueGermanNumber(), person);
    await removeVerified(person, old);
    clock.advance(30 * 24 * 3600 + 1);
    await verifyNew(person, uniqueGermanNumber());
    expect(await changedNotices(old)).toEqual([]);
  });

  it('is not sent when the removed number was never verified', async () => {
    const person = uniquePerson();
    const unverified = uniqueGermanNumber();
    expect((await api.post(path(person), { number: unverified })).status).toBe(201);
    expect((await api.delete(path(person), { number: unverified })).status).toBe(200);
    await verifyNew(person, uniqueGermanNumber());
    expect(await changedNotices(unverified)).toEqual([]);
  });

  it('goes out through the end-user API too: remove the verified phone with its code, set and verify another', async () => {
    const person = uniquePerson();
    const { number: old } = await fixture.createVerifiedNumber(uniqueGermanNumber(), person);
    const me = fixture.user(person);
    expect((await me.delete(ME)).status).toBe(400);
    expect((await me.delete(ME, { code: await fixture.lastSms(old) })).status).toBe(200);
    const fresh = uniqueGermanNumber();
    expect((await me.put(ME, { phone: fresh })).status).toBe(200);
    expect((await me.post(`${ME}/_verify`, { code: await fixture.lastSms(fresh) })).status).toBe(200);

    const notices = await changedNotices(old);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({
      language: 'en',
      text: `Your mobile number ${old} has been replaced by ${fresh}`,
    });
  });
});
