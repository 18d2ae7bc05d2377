import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindBody, bindWithOpenssl, uniqueGermanNumber } from '../support/devices.ts';
import { type Fixture, startService, TestClock } from '../support/fixture.ts';

import { OpensslKey } from '../support/openssl.ts';

const clock = new TestClock();
let app: Fixture;

beforeAll(async () => {
  app = await startService({ clock });
});
afterAll(() => app.close());

const DEVICES = '/v1/mfa/devices';

/** A person with a verified number and a bound device, deleted one hour after binding. */
async function deletedDevice() {
  const { person, number } = await app.createVerifiedNumber(uniqueGermanNumber());
  const key = OpensslKey.generate();
  const bound = await bindWithOpenssl(app, { personId: person, number }, key);
  const createdAt = clock
    .now()
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z');
  clock.advance(3600);
  const deletedAt = clock
    .now()
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z');
  expect((await app.partner().delete(`${DEVICES}/${bound.deviceId}`)).status).toBe(204);
  return { person, number, key, ...bound, createdAt, deletedAt };
}

describe('a deleted device is a tombstone', () => {
  it('GET device, GET its keys and GET one key answer with the real deleted_at', async () => {
    const device = await deletedDevice();
    const api = app.partner();

    const read = await api.get(`${DEVICES}/${device.deviceId}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({
      id: device.deviceId,
      name: 'Test device',
      person_id: device.person,
      created_at: device.createdAt,
      deleted_at: device.deletedAt,
      status: 'deleted',
      device_type: 'ecdsa-p256',
    });

    const keys = await api.get(`${DEVICES}/${device.deviceId}/keys?person_id=${device.person}`);
    expect(keys.status).toBe(200);
    expect(keys.body).toEqual([
      {
        device_id: device.deviceId,
        person_id: device.person,
        name: 'Test device',
        created_at: device.createdAt,
        deleted_at: device.deletedAt,
        keys: [
          {
            key_id: device.keyId,
            key_purpose: 'unrestricted',
            key_type: 'ecdsa-p256',
            used_at: device.createdAt,
          },
        ],
      },
    ]);
    const key = await api.get(`${DEVICES}/${device.deviceId}/keys/${device.keyId}`);
    expect(key.status).toBe(200);
    expect(key.body.key_id).toBe(device.keyId);

    // The tombstone is still scoped to its owner.
    expect((await api.get(`${DEVICES}/${device.deviceId}/keys?person_id=someone-else`)).status).toBe(404);
  });

  it('a live device lists deleted_at null', async () => {
    const { person, number } = await app.createVerifiedNumber(uniqueGermanNumber());
    const bound = await bindWithOpenssl(app, { personId: person, number }, OpensslKey.generate());
    const keys = await app.partner().get(`${DEVICES}/${bound.deviceId}/keys`);
    expect(keys.status).toBe(200);
    expect(keys.body[0].deleted_at).toBeNull();
  });

  it('cannot sign, add a key, authorize a change request or be deleted again', async () => {
    const device = await deletedDevice();
    const api = app.partner();

    const challenge = await api.post('/v1/mfa/challenges/devices', { device_id: device.deviceId });
    expect(challenge.status).toBe(404);

    const second = OpensslKey.generate();
    const added = await api.post(`${DEVICES}/${device.deviceId}/keys`, {
      key: second.publicKeyHex(),
      key_type: 'ecdsa-p256',
      key_purpose: 'restricted',
      device_signature: {
        signature_key_purpose: 'unrestricted',
        signature: device.key.sign(second.publicKeyHex()),
      },
    });
    expect(added.status).toBe(404);

    const opened = await api.delete(`/v1/persons/${device.person}/mobile_number`, { number: device.number });
    expect(opened.status).toBe(202);
    const authorized = await api.post(`/v1/change_requests/${opened.body.id}/authorize`, {
      delivery_method: 'device_signing',
      device_id: device.deviceId,
    });
    expect(authorized.status).toBe(404);

    expect((await api.delete(`${DEVICES}/${device.deviceId}`)).status).toBe(404);
    expect((await api.get(`${DEVICES}/${device.deviceId}`)).body.deleted_at).toBe(device.deletedAt);
  });

  it('a pending device deleted before its binding completes keeps its tombstone and cannot complete', async () => {
    const { person, number } = await app.createVerifiedNumber(uniqueGermanNumber());
    const key = OpensslKey.generate();
    const api = app.partner();
    const started = await api.post(DEVICES, bindBody(person, key.publicKeyHex()));
    expect(started.status).toBe(202);
    const otp = await app.lastSms(number);
    expect((await api.delete(`${DEVICES}/${started.body.id}`)).status).toBe(204);

    const done = await api.put(`/v1/mfa/challenges/signatures/${started.body.challenge.id}`, {
      signature: key.sign(otp),
    });
    expect(done.status).toBe(404);
    const keys = await api.get(`${DEVICES}/${started.body.id}/keys`);
    expect(keys.status).toBe(200);
    expect(keys.body[0].deleted_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});
