import { clientOf } from '#shared/auth/caller.ts';
import * as compose from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { PLAIN_REQUESTS } from '#shared/validation.ts';
import { listWebhooks } from '#shared/webhooks/use-cases.ts';

export const build = (adapters: Adapters) => {
  const rt = compose.webhooks(adapters);
  return httpRoute(
    'list-webhooks',
    { ...PLAIN_REQUESTS['list-webhooks'], authConfig: compose.pipeline(adapters) },
    async ({ caller }) => ({
      status: 200,
      body: await listWebhooks(rt, clientOf(caller)),
    }),
  );
};

export const handler = lambdaEntry('list-webhooks', build, {});
