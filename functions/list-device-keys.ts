import * as compose from '#shared/compose.ts';
import { devicePath, ownerQuery } from '#shared/devices/device.schema.ts';
import { listDeviceKeys } from '#shared/devices/use-cases.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';

/** What this route validates (the OpenAPI document is built from it). */
export const spec = { params: devicePath, query: ownerQuery };

export const build = (adapters: Adapters) => {
  const rt = compose.devices(adapters);
  return httpRoute(
    'list-device-keys',
    { ...spec, authConfig: compose.pipeline(adapters) },
    async ({ params, query }) => ({
      status: 200,
      body: await listDeviceKeys(rt, { deviceId: params.device_id, personId: query.person_id }),
    }),
  );
};

export const handler = lambdaEntry('list-device-keys', build, {});
