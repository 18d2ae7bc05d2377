import * as compose from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { timelineQuery } from '#shared/operator/operator.schema.ts';
import { securityTimeline } from '#shared/operator/use-cases.ts';
import { personPath } from '#shared/validation.ts';

/** What this route validates (the OpenAPI document is built from it). */
export const spec = { params: personPath, query: timelineQuery };

export const build = (adapters: Adapters) => {
  const rt = compose.securityTimeline(adapters);
  return httpRoute(
    'get-security-timeline',
    { ...spec, authConfig: compose.pipeline(adapters) },
    async ({ params, query }) => ({
      status: 200,
      body: await securityTimeline(rt, {
        personId: params.person_id,
        size: query['page[size]'],
        cursor: query['page[cursor]'],
      }),
    }),
  );
};

export const handler = lambdaEntry('get-security-timeline', build, {});
