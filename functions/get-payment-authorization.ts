import { type Adapters, compose, lambdaEntry } from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { paymentAuthorizationPath } from '#shared/payments/payment-authorization.schema.ts';
import { getPaymentAuthorization } from '#shared/payments/use-cases.ts';

/** What this route validates (the OpenAPI document is built from it). */
export const spec = { params: paymentAuthorizationPath };

export const build = (adapters: Adapters) => {
  const rt = compose.readPaymentAuthorization(adapters);
  return httpRoute(
    'get-payment-authorization',
    { ...spec, authConfig: compose.pipeline(adapters) },
    async ({ params }) => ({ status: 200, body: await getPaymentAuthorization(rt, params.id) }),
  );
};

export const handler = lambdaEntry('get-payment-authorization', build, {});
