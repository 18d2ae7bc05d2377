import * as compose from '#shared/compose.ts';
import { listDevicesQuery } from '#shared/devices/device.schema.ts';
import { listDevices } from '#shared/devices/use-cases.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';

/** What this route validates (the OpenAPI document is built from it). */
export const spec = { query: listDevicesQuery };

export const build = (adapters: Adapters) => {
  const rt = compose.devices(adapters);
  return httpRoute(
    'list-devices',
    { ...spec, authConfig: compose.pipeline(adapters) },
    async ({ query }) => ({
      status: 200,
      body: await listDevices(rt, {
        personId: query['filter[person_id]'],
        includeDeleted: query['filter[include_deleted]'] === 'true',
        pageSize: query['page[size]'],
        pageNumber: query['page[number]'],
      }),
    }),
  );
};

export const handler = lambdaEntry('list-devices', build, {});
