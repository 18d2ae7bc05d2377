import { httpRoute } from '#shared/http/pipeline.ts';
import { runtime } from '#shared/runtime.ts';
import { listWebhooks } from '#shared/webhooks/use-cases.ts';

export const handler = httpRoute('list-webhooks', {}, async () => ({
  status: 200,
  body: await listWebhooks(runtime()),
}));
