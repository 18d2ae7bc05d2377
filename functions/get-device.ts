import * as compose from '#shared/compose.ts';
import { DEVICE_REQUESTS } from '#shared/devices/device.schema.ts';
import { getDevice } from '#shared/devices/use-cases.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';

export const build = (adapters: Adapters) => {
  const rt = compose.devices(adapters);
  return httpRoute(
    'get-device',
    { ...DEVICE_REQUESTS['get-device'], authConfig: compose.pipeline(adapters) },
    async ({ params, query }) => ({
      status: 200,
      body: await getDevice(rt, { deviceId: params.device_id, personId: query.person_id }),
    }),
  );
};

export const handler = lambdaEntry('get-device', build, {});
