import * as compose from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { listWebhooks } from '#shared/webhooks/use-cases.ts';

/** What this route validates (the OpenAPI document is built from it). */
export const spec = {};

export const build = (adapters: Adapters) => {
  const rt = compose.webhooks(adapters);
  return httpRoute('list-webhooks', { ...spec, authConfig: compose.pipeline(adapters) }, async () => ({
    status: 200,
    body: await listWebhooks(rt),
  }));
};

export const handler = lambdaEntry('list-webhooks', build, {});
