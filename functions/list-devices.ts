import { listDevicesQuery } from '#shared/devices/device.schema.ts';
import { listDevices } from '#shared/devices/use-cases.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { runtime } from '#shared/runtime.ts';

export const handler = httpRoute('list-devices', { query: listDevicesQuery }, async ({ query }) => ({
  status: 200,
  body: await listDevices(runtime(), {
    personId: query['filter[person_id]'],
    includeDeleted: query['filter[include_deleted]'] === 'true',
    pageSize: query['page[size]'],
    pageNumber: query['page[number]'],
  }),
}));
