import { changeRequestPath } from '#shared/change-requests/change-request.schema.ts';
import { getChangeRequest } from '#shared/change-requests/use-cases.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { runtime } from '#shared/runtime.ts';

export const handler = httpRoute('get-change-request', { params: changeRequestPath }, async ({ params }) => ({
  status: 200,
  body: await getChangeRequest(runtime(), params.id),
}));
