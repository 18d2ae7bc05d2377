import { devicePath, ownerQuery } from '#shared/devices/device.schema.ts';
import { deleteDevice } from '#shared/devices/use-cases.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { runtime } from '#shared/runtime.ts';

export const handler = httpRoute(
  'delete-device',
  { params: devicePath, query: ownerQuery },
  async ({ params, query }) => {
    await deleteDevice(runtime(), { deviceId: params.device_id, personId: query.person_id });
    return { status: 204 };
  },
);
