import * as compose from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { getWebhook } from '#shared/webhooks/use-cases.ts';
import { webhookPath } from '#shared/webhooks/webhook.schema.ts';

/** What this route validates (the OpenAPI document is built from it). */
export const spec = { params: webhookPath };

export const build = (adapters: Adapters) => {
  const rt = compose.webhooks(adapters);
  return httpRoute(
    'get-webhook',
    { ...spec, authConfig: compose.pipeline(adapters) },
    async ({ params }) => ({
      status: 200,
      body: await getWebhook(rt, params.id),
    }),
  );
};

export const handler = lambdaEntry('get-webhook', build, {});
