import '#shared/aws/secrets-manager.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { runtime } from '#shared/runtime.ts';
import { createWebhook } from '#shared/webhooks/use-cases.ts';
import { createWebhookBody } from '#shared/webhooks/webhook.schema.ts';

export const handler = httpRoute('create-webhook', { body: createWebhookBody }, async ({ body }) => ({
  status: 201,
  body: await createWebhook(runtime(), { eventType: body.event_type, url: body.url }),
}));
