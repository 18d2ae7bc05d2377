import { clientOf } from '#shared/auth/caller.ts';
import * as compose from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { deleteWebhook } from '#shared/webhooks/use-cases.ts';
import { WEBHOOK_REQUESTS } from '#shared/webhooks/webhook.schema.ts';

export const build = (adapters: Adapters) => {
  const rt = compose.webhooks(adapters);
  return httpRoute(
    'delete-webhook',
    {
      ...WEBHOOK_REQUESTS['delete-webhook'],
      authConfig: compose.pipeline(adapters),
      idempotency: compose.idempotency(adapters),
    },
    async ({ params, caller }) => {
      await deleteWebhook(rt, params.id, clientOf(caller));
      return { status: 204 };
    },
  );
};

export const handler = lambdaEntry('delete-webhook', build, {});
