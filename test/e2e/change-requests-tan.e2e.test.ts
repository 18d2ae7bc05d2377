import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueGermanNumber } from '../support/devices.ts';
import { type Fixture, startService } from '../support/fixture.ts';

let fixture: Fixture;

beforeAll(async () => {
  fixture = await startService();
});
afterAll(() => fixture.close());

describe('change request TAN of the wrong form', () => {
  it('is 403 invalid_tan like a wrong TAN, spends no attempt and no budget, and the right TAN still completes', async () => {
    const api = fixture.partner();
    const { person, number } = await fixture.createVerifiedNumber(uniqueGermanNumber());
    const { changeRequest: cr, tan } = await fixture.openNumberRemoval(person, number);
    const charged = (await fixture.person(person)).codeChecksCharged;

    // More than the three attempts a request allows: none of them counts.
    for (const given of ['12', '1234567', 'abcdef', '', '12 345']) {
      const response = await api.post(`${cr}/confirm`, { person_id: person, tan: given });
      expect(response.status).toBe(403);
      expect(response.body.errors[0]).toMatchObject({
        status: 403,
        code: 'invalid_tan',
        title: 'Invalid TAN',
      });
    }
    expect((await fixture.person(person)).codeChecksCharged).toBe(charged);
    expect((await api.get(cr)).body.status).toBe('CONFIRMATION_REQUIRED');

    // A TAN that is not a string is still a malformed body.
    expect((await api.post(`${cr}/confirm`, { person_id: person, tan: 123456 })).status).toBe(400);

    const done = await api.post(`${cr}/confirm`, { person_id: person, tan });
    expect(done.status).toBe(201);
    expect(done.body.status).toBe('COMPLETED');
  });
});
