import { describe, expect, it } from 'vitest';
import { startDeviceChallenge } from '../../shared/devices/device-signing.ts';
import type { DeviceRecord, KeyRecord } from '../../shared/devices/device-store.ts';
import { deleteDevice, getDevice, getDeviceKey, listDeviceKeys } from '../../shared/devices/use-cases.ts';
import type { DomainError } from '../../shared/errors.ts';

const DELETED: DeviceRecord = {
  id: 'd1',
  personId: 'p1',
  name: 'Old phone',
  status: 'deleted',
  createdAt: '2026-11-22T10:00:00.000Z',
  boundAt: '2026-11-22T10:00:01.000Z',
  deletedAt: '2026-11-23T08:30:00.000Z',
  activeKeys: {},
};
const KEY: KeyRecord = {
  keyId: 'k1',
  deviceId: 'd1',
  personId: 'p1',
  publicKey: '04ab',
  keyType: 'ecdsa-p256',
  keyPurpose: 'unrestricted',
  createdAt: '2026-11-22T10:00:00.000Z',
  usedAt: '2026-11-22T10:00:01.000Z',
};

/** The device port as the use cases read it, holding one deleted device and its binding key. */
function deps() {
  const devices = {
    getDevice: async (id: string) => (id === DELETED.id ? DELETED : undefined),
    getKey: async (deviceId: string, keyId: string) =>
      deviceId === KEY.deviceId && keyId === KEY.keyId ? KEY : undefined,
    listKeys: async (deviceId: string) => (deviceId === KEY.deviceId ? [KEY] : []),
    createDeviceChallenge: async () => true,
    deleteDevice: async () => true,
  };
  return {
    clock: { now: () => new Date('2026-11-24T00:00:00Z') },
    config: { otpMaxAttempts: 5, otpTtlSeconds: 300 },
    devices: devices as never,
  };
}

const status = async (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (error: DomainError) => error.status,
  );

describe('a deleted device (tombstone)', () => {
  it('answers GET device and its keys list with the deleted_at it was deleted at', async () => {
    expect((await getDevice(deps(), { deviceId: 'd1' })).deleted_at).toBe('2026-11-23T08:30:00Z');
    const [listed] = await listDeviceKeys(deps(), { deviceId: 'd1', personId: 'p1' });
    expect(listed).toEqual({
      device_id: 'd1',
      person_id: 'p1',
      name: 'Old phone',
      created_at: '2026-11-22T10:00:00Z',
      deleted_at: '2026-11-23T08:30:00Z',
      keys: [
        {
          key_id: 'k1',
          key_purpose: 'unrestricted',
          key_type: 'ecdsa-p256',
          used_at: '2026-11-22T10:00:01Z',
        },
      ],
    });
    expect((await getDeviceKey(deps(), { deviceId: 'd1', keyId: 'k1' })).key_id).toBe('k1');
  });

  it("is another person's 404 like any device", async () => {
    expect(await status(listDeviceKeys(deps(), { deviceId: 'd1', personId: 'p2' }))).toBe(404);
  });

  it('cannot be challenged to sign or deleted again', async () => {
    expect(await status(startDeviceChallenge(deps(), { deviceId: 'd1' }))).toBe(404);
    expect(await status(deleteDevice(deps(), { deviceId: 'd1' }))).toBe(404);
  });
});
