import { devicePath, ownerQuery } from '#shared/devices/device.schema.ts';
import { getDevice } from '#shared/devices/use-cases.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { runtime } from '#shared/runtime.ts';

export const handler = httpRoute(
  'get-device',
  { params: devicePath, query: ownerQuery },
  async ({ params, query }) => ({
    status: 200,
    body: await getDevice(runtime(), { deviceId: params.device_id, personId: query.person_id }),
  }),
);
