import { CHANGE_REQUEST_REQUESTS } from '#shared/change-requests/change-request.schema.ts';
import { getChangeRequest } from '#shared/change-requests/use-cases.ts';
import { type Adapters, compose, lambdaEntry } from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';

export const build = (adapters: Adapters) => {
  const rt = compose.readChangeRequest(adapters);
  return httpRoute(
    'get-change-request',
    { ...CHANGE_REQUEST_REQUESTS['get-change-request'], authConfig: compose.pipeline(adapters) },
    async ({ params }) => ({
      status: 200,
      body: await getChangeRequest(rt, params.id),
    }),
  );
};

export const handler = lambdaEntry('get-change-request', build, {});
