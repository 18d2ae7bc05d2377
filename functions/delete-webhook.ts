import { httpRoute } from '#shared/http/pipeline.ts';
import { runtime } from '#shared/runtime.ts';
import { deleteWebhook } from '#shared/webhooks/use-cases.ts';
import { webhookPath } from '#shared/webhooks/webhook.schema.ts';

export const handler = httpRoute('delete-webhook', { params: webhookPath }, async ({ params }) => {
  await deleteWebhook(runtime(), params.id);
  return { status: 204 };
});
