import * as compose from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { deleteWebhook } from '#shared/webhooks/use-cases.ts';
import { webhookPath } from '#shared/webhooks/webhook.schema.ts';

/** What this route validates (the OpenAPI document is built from it). */
export const spec = { params: webhookPath };

export const build = (adapters: Adapters) => {
  const rt = compose.webhooks(adapters);
  return httpRoute(
    'delete-webhook',
    { ...spec, authConfig: compose.pipeline(adapters), idempotency: compose.idempotency(adapters) },
    async ({ params }) => {
      await deleteWebhook(rt, params.id);
      return { status: 204 };
    },
  );
};

export const handler = lambdaEntry('delete-webhook', build, {});
