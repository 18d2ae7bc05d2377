import * as compose from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { PAYMENT_REQUESTS } from '#shared/payments/payment-authorization.schema.ts';
import { getPaymentAuthorization } from '#shared/payments/use-cases.ts';

export const build = (adapters: Adapters) => {
  const rt = compose.readPaymentAuthorization(adapters);
  return httpRoute(
    'get-payment-authorization',
    { ...PAYMENT_REQUESTS['get-payment-authorization'], authConfig: compose.pipeline(adapters) },
    async ({ params, query }) => ({
      status: 200,
      body: await getPaymentAuthorization(rt, params.id, query.person_id),
    }),
  );
};

export const handler = lambdaEntry('get-payment-authorization', build, {});
