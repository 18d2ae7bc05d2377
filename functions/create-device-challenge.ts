import * as compose from '#shared/compose.ts';
import { DEVICE_REQUESTS } from '#shared/devices/device.schema.ts';
import { startDeviceChallenge } from '#shared/devices/device-signing.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';

export const build = (adapters: Adapters) => {
  const rt = compose.devices(adapters);
  return httpRoute(
    'create-device-challenge',
    {
      ...DEVICE_REQUESTS['create-device-challenge'],
      authConfig: compose.pipeline(adapters),
      idempotency: compose.idempotency(adapters),
    },
    async ({ body }) => ({
      status: 201,
      body: await startDeviceChallenge(rt, {
        deviceId: body.device_id,
        keyPurpose: body.key_purpose,
        personId: body.person_id,
      }),
    }),
  );
};

export const handler = lambdaEntry('create-device-challenge', build, {});
