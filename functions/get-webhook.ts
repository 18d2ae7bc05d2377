import { httpRoute } from '#shared/http/pipeline.ts';
import { runtime } from '#shared/runtime.ts';
import { getWebhook } from '#shared/webhooks/use-cases.ts';
import { webhookPath } from '#shared/webhooks/webhook.schema.ts';

export const handler = httpRoute('get-webhook', { params: webhookPath }, async ({ params }) => ({
  status: 200,
  body: await getWebhook(runtime(), params.id),
}));
