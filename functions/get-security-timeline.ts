import { secretsManagerReader } from '#shared/aws/secrets-manager.ts';
import * as compose from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { OPERATOR_REQUESTS } from '#shared/operator/operator.schema.ts';
import { securityTimeline } from '#shared/operator/use-cases.ts';

export const build = (adapters: Adapters) => {
  const rt = compose.securityTimeline(adapters);
  return httpRoute(
    'get-security-timeline',
    { ...OPERATOR_REQUESTS['get-security-timeline'], authConfig: compose.pipeline(adapters) },
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

export const handler = lambdaEntry('get-security-timeline', build, { secrets: secretsManagerReader });
