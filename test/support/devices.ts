import { randomInt } from 'node:crypto';
import { type client, latestOtp, uniquePerson } from './harness.ts';
import type { OpensslKey } from './openssl.ts';

type Api = ReturnType<typeof client>;

/** A real-looking German mobile number of its own, so tests never share an SMS quota. */
export const uniqueGermanNumber = () => `+49151${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;

/** A person with a verified mobile number, verified with the OTP from the local outbox. */
export async function verifiedPerson(
  api: Api,
  baseUrl: string,
): Promise<{ personId: string; number: string }> {
  const personId = uniquePerson();
  const number = uniqueGermanNumber();
  const path = `/v1/persons/${personId}/mobile_number`;
  if ((await api.post(path, { number })).status !== 201) throw new Error('create number failed');
  if ((await api.post(`${path}/authorize`, { number })).status !== 201) throw new Error('authorize failed');
  const token = await latestOtp(baseUrl, number);
  if ((await api.post(`${path}/confirm`, { number, token })).status !== 201)
    throw new Error('confirm failed');
  return { personId, number };
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
  api: Api,
  baseUrl: string,
  person: { personId: string; number: string },
  key: OpensslKey,
  extra: Record<string, unknown> = {},
): Promise<{ deviceId: string; keyId: string; challengeId: string }> {
  const started = await api.post('/v1/mfa/devices', bindBody(person.personId, key.publicKeyHex(), extra));
  if (started.status !== 202) throw new Error(`bind failed: ${JSON.stringify(started.body)}`);
  const otp = await latestOtp(baseUrl, person.number);
  const done = await api.put(`/v1/mfa/challenges/signatures/${started.body.challenge.id}`, {
    signature: key.sign(otp),
  });
  if (done.status !== 204) throw new Error(`binding signature refused: ${JSON.stringify(done.body)}`);
  return { deviceId: started.body.id, keyId: started.body.key_id, challengeId: started.body.challenge.id };
}
