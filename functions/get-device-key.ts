import { deviceKeyPath, ownerQuery } from '#shared/devices/device.schema.ts';
import { getDeviceKey } from '#shared/devices/use-cases.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { runtime } from '#shared/runtime.ts';

export const handler = httpRoute(
  'get-device-key',
  { params: deviceKeyPath, query: ownerQuery },
  async ({ params, query }) => ({
    status: 200,
    body: await getDeviceKey(runtime(), {
      deviceId: params.device_id,
      keyId: params.key_id,
      personId: query.person_id,
    }),
  }),
);
