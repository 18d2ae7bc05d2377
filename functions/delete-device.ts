import * as compose from '#shared/compose.ts';
import { DEVICE_REQUESTS } from '#shared/devices/device.schema.ts';
import { deleteDevice } from '#shared/devices/use-cases.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';

export const build = (adapters: Adapters) => {
  const rt = compose.devices(adapters);
  return httpRoute(
    'delete-device',
    {
      ...DEVICE_REQUESTS['delete-device'],
      authConfig: compose.pipeline(adapters),
      idempotency: compose.idempotency(adapters),
    },
    async ({ params, query }) => {
      await deleteDevice(rt, { deviceId: params.device_id, personId: query.person_id });
      return { status: 204 };
    },
  );
};

export const handler = lambdaEntry('delete-device', build, {});
