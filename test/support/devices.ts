import { randomInt } from 'node:crypto';
import type { Fixture } from './fixture.ts';
import type { OpensslKey } from './openssl.ts';

/** A real-looking German mobile number of its own, so tests never share an SMS quota. */
export const uniqueGermanNumber = () => `+49151${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;

/** A person with a verified mobile number of their own, verified with the OTP from the local outbox. */
export async function verifiedPerson(fixture: Fixture): Promise<{ personId: string; number: string }> {
  const { person, number } = await fixture.createVerifiedNumber(uniqueGermanNumber());
  return { personId: person, number };
}

export const bindBody = (personId: string, key: string, extra: Record<string, unknown> = {}) => ({
  person_id: personId,
  key_type: 'ecdsa-p256',
  key,
  name: 'Test device',
  ...extra,
});

/** Binds an openssl key to the person and answers the OTP with an openssl signature. */
export async function bindWithOpenssl(
  fixture: Fixture,
  person: { personId: string; number: string },
  key: OpensslKey,
  extra: Record<string, unknown> = {},
): Promise<{ deviceId: string; keyId: string; challengeId: string }> {
  const api = fixture.partner();
  const started = await api.post('/v1/mfa/devices', bindBody(person.personId, key.publicKeyHex(), extra));
  if (started.status !== 202) throw new Error(`bind failed: ${JSON.stringify(started.body)}`);
  const otp = await fixture.lastSms(person.number);
  const done = await api.put(`/v1/mfa/challenges/signatures/${started.body.challenge.id}`, {
    signature: key.sign(otp),
  });
  if (done.status !== 204) throw new Error(`binding signature refused: ${JSON.stringify(done.body)}`);
  return { deviceId: started.body.id, keyId: started.body.key_id, challengeId: started.body.challenge.id };
}
