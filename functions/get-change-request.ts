import { changeRequestPath } from '#shared/change-requests/change-request.schema.ts';
import { getChangeRequest } from '#shared/change-requests/use-cases.ts';
import * as compose from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';

/** What this route validates (the OpenAPI document is built from it). */
export const spec = { params: changeRequestPath };

export const build = (adapters: Adapters) => {
  const rt = compose.readChangeRequest(adapters);
  return httpRoute(
    'get-change-request',
    { ...spec, authConfig: compose.pipeline(adapters) },
    async ({ params }) => ({
      status: 200,
      body: await getChangeRequest(rt, params.id),
    }),
  );
};

export const handler = lambdaEntry('get-change-request', build, {});
