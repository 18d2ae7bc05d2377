import * as compose from '#shared/compose.ts';
import { DEVICE_REQUESTS } from '#shared/devices/device.schema.ts';
import { getDeviceKey } from '#shared/devices/use-cases.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';

export const build = (adapters: Adapters) => {
  const rt = compose.devices(adapters);
  return httpRoute(
    'get-device-key',
    { ...DEVICE_REQUESTS['get-device-key'], authConfig: compose.pipeline(adapters) },
    async ({ params, query }) => ({
      status: 200,
      body: await getDeviceKey(rt, {
        deviceId: params.device_id,
        keyId: params.key_id,
        personId: query.person_id,
      }),
    }),
  );
};

export const handler = lambdaEntry('get-device-key', build, {});
