import {
  authorizeChangeRequestBody,
  changeRequestPath,
} from '#shared/change-requests/change-request.schema.ts';
import { authorizeWithSms } from '#shared/change-requests/use-cases.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { runtime } from '#shared/runtime.ts';

export const handler = httpRoute(
  'authorize-change-request',
  { params: changeRequestPath, body: authorizeChangeRequestBody },
  async ({ params, body }) => ({
    status: 201,
    body: await authorizeWithSms(runtime(), { id: params.id, personId: body.person_id }),
  }),
);
