import * as compose from '#shared/compose.ts';
import { createDeviceChallengeBody } from '#shared/devices/device.schema.ts';
import { startDeviceChallenge } from '#shared/devices/device-signing.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';

/** What this route validates (the OpenAPI document is built from it). */
export const spec = { body: createDeviceChallengeBody };

export const build = (adapters: Adapters) => {
  const rt = compose.devices(adapters);
  return httpRoute(
    'create-device-challenge',
    { ...spec, authConfig: compose.pipeline(adapters), idempotency: compose.idempotency(adapters) },
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
