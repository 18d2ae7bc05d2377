import { describe, expect, it } from 'vitest';
import * as compose from '../../shared/compose.ts';
import {
  bind,
  generateDeviceKey,
  publicKeyHex,
  signChallenge,
  signHex,
} from '../../shared/devices/device-client.ts';
import { startDeviceChallenge, verifyDeviceChallenge } from '../../shared/devices/device-signing.ts';
import type { DomainError } from '../../shared/errors.ts';
import { lazyAssertionVerifier } from '../../shared/passkeys/assertion-verifier.ts';
import { bindBody, bindWithOpenssl, verifiedPerson } from '../support/devices.ts';
import { TestClock, useService } from '../support/fixture.ts';
import { OpensslKey } from '../support/openssl.ts';

const clock = new TestClock();

const fixture = useService({ clock });
const api = fixture.api;

const DEVICES = '/v1/mfa/devices';
const CHALLENGES = '/v1/mfa/challenges/devices';

async function boundDevice() {
  const person = await verifiedPerson(fixture);
  const key = OpensslKey.generate();
  const device = await bindWithOpenssl(fixture, person, key);
  return { person, key, ...device };
}

async function challengeFor(deviceId: string, extra: Record<string, unknown> = {}) {
  const response = await api.post(CHALLENGES, { device_id: deviceId, ...extra });
  expect(response.status).toBe(201);
  return response.body as { id: string; string_to_sign: string; created_at: string; expires_at: string };
}

describe('device signing with an openssl key', () => {
  it('issues a 256-bit challenge, accepts the signature (204) and sets the key used_at', async () => {
    const { key, deviceId, keyId } = await boundDevice();
    clock.advance(60);
    const challenge = await challengeFor(deviceId);
    expect(challenge).toEqual({
      id: expect.any(String),
      type: 'device',
      string_to_sign: expect.stringMatching(/^[0-9a-f]{64}$/),
      created_at: expect.any(String),
      expires_at: expect.any(String),
      status: 'pending',
    });
    expect(Date.parse(challenge.expires_at) - Date.parse(challenge.created_at)).toBe(300_000);
    expect((await api.get(`${CHALLENGES}/${challenge.id}`)).body).toEqual(challenge);

    const done = await api.put(`${CHALLENGES}/${challenge.id}`, {
      signature: key.sign(challenge.string_to_sign),
    });
    expect(done.status).toBe(204);
    const used = await api.get(`${DEVICES}/${deviceId}/keys/${keyId}`);
    expect(used.body.used_at).toBe(
      clock
        .now()
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z'),
    );
    expect((await api.get(`${CHALLENGES}/${challenge.id}`)).body.status).toBe('completed');
  });

  it('gives a fresh string every time', async () => {
    const { deviceId } = await boundDevice();
    const strings = new Set<string>();
    for (let i = 0; i < 5; i++) strings.add((await challengeFor(deviceId)).string_to_sign);
    expect(strings.size).toBe(5);
  });

  it('refuses another key (403), a different string (403), trailing DER bytes (400) and reuse (403)', async () => {
    const { key, deviceId } = await boundDevice();
    const challenge = await challengeFor(deviceId);
    const path = `${CHALLENGES}/${challenge.id}`;
    const other = await api.put(path, { signature: OpensslKey.generate().sign(challenge.string_to_sign) });
    expect(other.status).toBe(403);
    expect(other.body.errors[0].code).toBe('invalid_signature');
    expect((await api.put(path, { signature: key.sign(`${challenge.string_to_sign}x`) })).status).toBe(403);
    const good = key.sign(challenge.string_to_sign);
    expect((await api.put(path, { signature: `${good}0000` })).status).toBe(400);
    expect((await api.put(path, { signature: good })).status).toBe(204);
    const reuse = await api.put(path, { signature: good });
    expect(reuse.status).toBe(403);
    expect(reuse.body.errors[0].code).toBe('challenge_used');
  });

  it('expires after 5 minutes (422)', async () => {
    const { key, deviceId } = await boundDevice();
    const challenge = await challengeFor(deviceId);
    clock.advance(301);
    const late = await api.put(`${CHALLENGES}/${challenge.id}`, {
      signature: key.sign(challenge.string_to_sign),
    });
    expect(late.status).toBe(422);
    expect((await api.get(`${CHALLENGES}/${challenge.id}`)).body.status).toBe('expired');
  });

  it('is burnt after 5 wrong signatures (403 even for the right one)', async () => {
    const { key, deviceId } = await boundDevice();
    const challenge = await challengeFor(deviceId);
    const path = `${CHALLENGES}/${challenge.id}`;
    for (let i = 0; i < 5; i++)
      expect((await api.put(path, { signature: key.sign(`no${i}`) })).status).toBe(403);
    const late = await api.put(path, { signature: key.sign(challenge.string_to_sign) });
    expect(late.body.errors[0].code).toBe('challenge_failed');
  });

  it('of twenty concurrent correct answers exactly one gets 204', async () => {
    const { key, deviceId } = await boundDevice();
    const challenge = await challengeFor(deviceId);
    const signature = key.sign(challenge.string_to_sign);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => api.put(`${CHALLENGES}/${challenge.id}`, { signature })),
    );
    expect(results.filter((r) => r.status === 204)).toHaveLength(1);
    expect(results.every((r) => r.status === 204 || r.status === 403)).toBe(true);
  });

  it('a deleted device cannot start or finish a challenge (404)', async () => {
    const { key, deviceId } = await boundDevice();
    const challenge = await challengeFor(deviceId);
    expect((await api.delete(`${DEVICES}/${deviceId}`)).status).toBe(204);
    const finish = await api.put(`${CHALLENGES}/${challenge.id}`, {
      signature: key.sign(challenge.string_to_sign),
    });
    expect(finish.status).toBe(404);
    expect((await api.post(CHALLENGES, { device_id: deviceId })).status).toBe(404);
    const tombstone = await api.get(`${DEVICES}/${deviceId}/keys`);
    expect(tombstone.status).toBe(200);
    expect(tombstone.body[0].deleted_at).toMatch(/Z$/);
  });

  it('a purpose without an active key is 404; a pending device cannot be challenged', async () => {
    const { deviceId } = await boundDevice();
    expect((await api.post(CHALLENGES, { device_id: deviceId, key_purpose: 'restricted' })).status).toBe(404);
    const person = await verifiedPerson(fixture);
    const pending = await api.post(DEVICES, bindBody(person.personId, OpensslKey.generate().publicKeyHex()));
    expect((await api.post(CHALLENGES, { device_id: pending.body.id })).status).toBe(404);
  });
});

describe('device signing with the reference client (WebCrypto)', () => {
  it('binds and answers a challenge', async () => {
    const person = await verifiedPerson(fixture);
    const keys = await generateDeviceKey();
    const device = await bind(
      { baseUrl: fixture.url, token: await fixture.issuer.mint({ kind: 'partner' }) },
      { personId: person.personId, name: 'Browser', keys },
    );
    const challengeId = await signChallenge(
      { baseUrl: fixture.url, token: await fixture.issuer.mint({ kind: 'partner' }) },
      {
        deviceId: device.deviceId,
        privateKey: keys.privateKey,
      },
    );
    expect((await api.get(`${CHALLENGES}/${challengeId}`)).body.status).toBe('completed');
  });
});

describe('adding keys', () => {
  it('adds a restricted key signed by the unrestricted one over the new key hex; it can then sign', async () => {
    const { key, deviceId, person } = await boundDevice();
    clock.advance(1); // keys are listed oldest first
    const restricted = await generateDeviceKey();
    const newKey = await publicKeyHex(restricted.publicKey);
    const added = await api.post(`${DEVICES}/${deviceId}/keys`, {
      key: newKey,
      key_type: 'ecdsa-p256',
      key_purpose: 'restricted',
      device_signature: { signature_key_purpose: 'unrestricted', signature: key.sign(newKey) },
    });
    expect(added.status).toBe(201);
    expect(added.body).toEqual({ id: expect.any(String) });
    expect((await api.get(`${DEVICES}/${deviceId}/keys/${added.body.id}`)).body).toEqual({
      key_id: added.body.id,
      key_purpose: 'restricted',
      key_type: 'ecdsa-p256',
      used_at: null,
    });
    const list = await api.get(`${DEVICES}/${deviceId}/keys`);
    expect(list.body).toEqual([
      {
        device_id: deviceId,
        person_id: person.personId,
        name: 'Test device',
        created_at: expect.any(String),
        deleted_at: null,
        keys: [
          expect.objectContaining({ key_purpose: 'unrestricted' }),
          expect.objectContaining({ key_id: added.body.id }),
        ],
      },
    ]);
    const challenge = await challengeFor(deviceId, { key_purpose: 'restricted' });
    const signature = await signHex(restricted.privateKey, challenge.string_to_sign);
    expect((await api.put(`${CHALLENGES}/${challenge.id}`, { signature })).status).toBe(204);

    const event = await fixture.event('DEVICE_KEY_ADDED', (data) => data.key_id === added.body.id);
    expect(event.data).toMatchObject({
      device_id: deviceId,
      key_purpose: 'restricted',
    });
  });

  it('refuses a wrong signer, a wrong message, a missing signer purpose, a taken purpose and bad keys', async () => {
    const { key, deviceId } = await boundDevice();
    const fresh = OpensslKey.generate().publicKeyHex();
    const body = (override: Record<string, unknown>, signature = key.sign(fresh)) => ({
      key: fresh,
      key_type: 'ecdsa-p256',
      key_purpose: 'restricted',
      device_signature: { signature_key_purpose: 'unrestricted', signature },
      ...override,
    });
    const path = `${DEVICES}/${deviceId}/keys`;
    expect((await api.post(path, body({}, OpensslKey.generate().sign(fresh)))).status).toBe(403);
    expect((await api.post(path, body({}, key.sign(fresh.toUpperCase())))).status).toBe(403);
    const noSigner = await api.post(path, {
      ...body({}),
      device_signature: { signature_key_purpose: 'restricted', signature: key.sign(fresh) },
    });
    expect(noSigner.status).toBe(403);
    expect((await api.post(path, body({ key_purpose: 'unrestricted' }))).status).toBe(409);
    expect((await api.post(path, body({ key: fresh.slice(0, 66) }))).status).toBe(400);
    expect((await api.post(path, body({ key_type: 'ed25519' }))).status).toBe(400);
    expect((await api.post(path, body({}))).status).toBe(201);
    expect((await api.post(path, body({}))).status).toBe(409);
  });
});

describe('listing', () => {
  it("pages through a person's devices by filter[person_id] and hides deleted ones unless asked", async () => {
    const person = await verifiedPerson(fixture);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await bindWithOpenssl(fixture, person, OpensslKey.generate())).deviceId);
      clock.advance(1);
    }
    const list = (query: string) => api.get(`${DEVICES}?filter[person_id]=${person.personId}${query}`);
    expect((await list('')).body.map((d: { id: string }) => d.id)).toEqual(ids);
    expect((await list('&page[size]=2')).body.map((d: { id: string }) => d.id)).toEqual(ids.slice(0, 2));
    expect((await list('&page[size]=2&page[number]=2')).body.map((d: { id: string }) => d.id)).toEqual([
      ids[2],
    ]);
    expect((await list('&page[size]=2&page[number]=3')).body).toEqual([]);
    expect((await api.delete(`${DEVICES}/${ids[0]}`)).status).toBe(204);
    expect((await list('')).body.map((d: { id: string }) => d.id)).toEqual(ids.slice(1));
    const all = (await list('&filter[include_deleted]=true')).body;
    expect(all.map((d: { id: string }) => d.id)).toEqual([...ids.slice(1), ids[0]]);
    expect(all[2].deleted_at).toMatch(/Z$/);
    expect((await api.get(`${DEVICES}/${ids[0]}`)).body.status).toBe('deleted');
    expect((await api.delete(`${DEVICES}/${ids[0]}`)).status).toBe(404);
  });

  it('needs filter[person_id] and valid paging (400)', async () => {
    expect((await api.get(DEVICES)).status).toBe(400);
    expect((await api.get(`${DEVICES}?filter[person_id]=p&page[size]=0`)).status).toBe(400);
    expect((await api.get(`${DEVICES}?filter[person_id]=p&page[size]=101`)).status).toBe(400);
    expect((await api.get(`${DEVICES}?filter[person_id]=p&filter[include_deleted]=yes`)).status).toBe(400);
  });
});

describe("another person's device", () => {
  it('answers every route naming it with the same 404 as an unknown id, and changes nothing', async () => {
    const owner = await boundDevice();
    const stranger = await verifiedPerson(fixture);
    const other = stranger.personId;
    const unknown = crypto.randomUUID();
    const challenge = await challengeFor(owner.deviceId);

    const pairs: Array<
      [
        string,
        (
          id: string,
        ) => Promise<{ status: number; body: { errors: Array<{ code: string; detail: string }> } }>,
      ]
    > = [
      ['get device', (id) => api.get(`${DEVICES}/${id}?person_id=${other}`)],
      ['delete device', (id) => api.delete(`${DEVICES}/${id}?person_id=${other}`)],
      ['list keys', (id) => api.get(`${DEVICES}/${id}/keys?person_id=${other}`)],
      ['get key', (id) => api.get(`${DEVICES}/${id}/keys/${owner.keyId}?person_id=${other}`)],
      [
        'add key',
        (id) => {
          const fresh = OpensslKey.generate().publicKeyHex();
          return api.post(`${DEVICES}/${id}/keys`, {
            key: fresh,
            key_type: 'ecdsa-p256',
            key_purpose: 'restricted',
            device_signature: { signature_key_purpose: 'unrestricted', signature: owner.key.sign(fresh) },
            person_id: other,
          });
        },
      ],
      ['start challenge', (id) => api.post(CHALLENGES, { device_id: id, person_id: other })],
    ];
    for (const [name, call] of pairs) {
      const theirs = await call(owner.deviceId);
      const missing = await call(unknown);
      expect(theirs.status, name).toBe(404);
      expect(theirs.body.errors[0]!.code, name).toBe(missing.body.errors[0]!.code);
      expect(theirs.body.errors[0]!.detail, name).toBe(missing.body.errors[0]!.detail);
    }
    const get = await api.get(`${CHALLENGES}/${challenge.id}?person_id=${other}`);
    expect(get.status).toBe(404);
    const put = await api.put(`${CHALLENGES}/${challenge.id}`, {
      signature: owner.key.sign(challenge.string_to_sign),
      person_id: other,
    });
    expect(put.status).toBe(404);

    // Nothing changed: the device is still active, with one key, and the challenge is untouched and answerable.
    expect(
      (await api.get(`${DEVICES}/${owner.deviceId}?person_id=${owner.person.personId}`)).body.status,
    ).toBe('active');
    expect((await api.get(`${DEVICES}/${owner.deviceId}/keys`)).body[0].keys).toHaveLength(1);
    const mine = await api.put(`${CHALLENGES}/${challenge.id}`, {
      signature: owner.key.sign(challenge.string_to_sign),
      person_id: owner.person.personId,
    });
    expect(mine.status).toBe(204);
  });

  it("a stranger's binding challenge is 404 for GET and PUT", async () => {
    const person = await verifiedPerson(fixture);
    const key = OpensslKey.generate();
    const started = await api.post(DEVICES, bindBody(person.personId, key.publicKeyHex()));
    const otp = await fixture.lastSms(person.number);
    const path = `/v1/mfa/challenges/signatures/${started.body.challenge.id}`;
    expect((await api.get(`${path}?person_id=someone-else`)).status).toBe(404);
    expect((await api.put(path, { signature: key.sign(otp), person_id: 'someone-else' })).status).toBe(404);
    expect((await api.put(path, { signature: key.sign(otp), person_id: person.personId })).status).toBe(204);
  });
});

describe('device signing as a second factor for other features (use case)', () => {
  it('a challenge bound to a purpose is answerable only by naming that purpose', async () => {
    const { key, deviceId, person } = await boundDevice();
    const rt = {
      ...compose.answerDeviceChallenge(fixture.service.adapters),
      assertions: lazyAssertionVerifier,
    };
    const bound = await startDeviceChallenge(rt, { deviceId, boundTo: 'change_request:cr1' });
    const signature = key.sign(bound.string_to_sign);
    // Not through the public route, nor for another purpose.
    expect((await api.put(`${CHALLENGES}/${bound.id}`, { signature })).status).toBe(404);
    await expect(
      verifyDeviceChallenge(rt, { challengeId: bound.id, signature, boundTo: 'change_request:cr2' }),
    ).rejects.toMatchObject({ status: 404 } satisfies Partial<DomainError>);
    await expect(
      verifyDeviceChallenge(rt, {
        challengeId: bound.id,
        signature,
        boundTo: 'change_request:cr1',
        deviceId: crypto.randomUUID(),
      }),
    ).rejects.toMatchObject({ status: 404 });
    const verified = await verifyDeviceChallenge(rt, {
      challengeId: bound.id,
      signature,
      boundTo: 'change_request:cr1',
      deviceId,
      personId: person.personId,
    });
    expect(verified).toMatchObject({ deviceId, personId: person.personId, keyPurpose: 'unrestricted' });

    // An unbound challenge does not satisfy a caller that names a purpose.
    const open = await challengeFor(deviceId);
    await expect(
      verifyDeviceChallenge(rt, {
        challengeId: open.id,
        signature: key.sign(open.string_to_sign),
        boundTo: 'change_request:cr1',
      }),
    ).rejects.toMatchObject({ status: 404 });
  });
});
