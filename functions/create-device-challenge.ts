import { createDeviceChallengeBody } from '#shared/devices/device.schema.ts';
import { startDeviceChallenge } from '#shared/devices/device-signing.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { runtime } from '#shared/runtime.ts';

export const handler = httpRoute(
  'create-device-challenge',
  { body: createDeviceChallengeBody },
  async ({ body }) => ({
    status: 201,
    body: await startDeviceChallenge(runtime(), {
      deviceId: body.device_id,
      keyPurpose: body.key_purpose,
      personId: body.person_id,
    }),
  }),
);
