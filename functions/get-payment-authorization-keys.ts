import { type Adapters, compose, lambdaEntry } from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { receiptKeys } from '#shared/payments/use-cases.ts';

/** What this route validates (the OpenAPI document is built from it): nothing, it takes no input. */
export const spec = {};

export const build = (adapters: Adapters) => {
  const rt = compose.receiptKeys(adapters);
  return httpRoute(
    'get-payment-authorization-keys',
    { authConfig: compose.pipeline(adapters) },
    async () => ({ status: 200, body: await receiptKeys(rt) }),
  );
};

export const handler = lambdaEntry('get-payment-authorization-keys', build, {});
