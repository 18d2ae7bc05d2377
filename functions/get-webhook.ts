import { clientOf } from '#shared/auth/caller.ts';
import * as compose from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { getWebhook } from '#shared/webhooks/use-cases.ts';
import { WEBHOOK_REQUESTS } from '#shared/webhooks/webhook.schema.ts';

export const build = (adapters: Adapters) => {
  const rt = compose.webhooks(adapters);
  return httpRoute(
    'get-webhook',
    { ...WEBHOOK_REQUESTS['get-webhook'], authConfig: compose.pipeline(adapters) },
    async ({ params, caller }) => ({
      status: 200,
      body: await getWebhook(rt, params.id, clientOf(caller)),
    }),
  );
};

export const handler = lambdaEntry('get-webhook', build, {});
