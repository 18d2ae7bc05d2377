import { clientOf } from '#shared/auth/caller.ts';
import { secretsManagerReader } from '#shared/aws/secrets-manager.ts';
import * as compose from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { createWebhook } from '#shared/webhooks/use-cases.ts';
import { WEBHOOK_REQUESTS } from '#shared/webhooks/webhook.schema.ts';
import { nodeWebhookHttp } from '#shared/webhooks/webhook-http.ts';

export const build = (adapters: Adapters) => {
  const rt = compose.webhooks({ webhookHttp: nodeWebhookHttp, ...adapters });
  // No Idempotency-Key here: the answer carries the signing secret once, and a stored answer would keep it in
  // plaintext for a day.
  return httpRoute(
    'create-webhook',
    { ...WEBHOOK_REQUESTS['create-webhook'], authConfig: compose.pipeline(adapters) },
    async ({ body, caller }) => ({
      status: 201,
      body: await createWebhook(rt, { eventType: body.event_type, url: body.url, owner: clientOf(caller) }),
    }),
  );
};

export const handler = lambdaEntry('create-webhook', build, { secrets: secretsManagerReader });
