import { secretsManagerReader } from '#shared/aws/secrets-manager.ts';
import { type Adapters, compose, lambdaEntry } from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import {
  confirmPaymentAuthorizationBody,
  paymentAuthorizationPath,
} from '#shared/payments/payment-authorization.schema.ts';
import { confirmPaymentAuthorization } from '#shared/payments/use-cases.ts';

/** What this route validates (the OpenAPI document is built from it). */
export const spec = { params: paymentAuthorizationPath, body: confirmPaymentAuthorizationBody };

export const build = (adapters: Adapters) => {
  const rt = compose.confirmPaymentAuthorization(adapters);
  return httpRoute(
    'confirm-payment-authorization',
    { ...spec, authConfig: compose.pipeline(adapters), idempotency: compose.idempotency(adapters) },
    async ({ params, body }) => ({
      status: 201,
      body: await confirmPaymentAuthorization(
        rt,
        params.id,
        'tan' in body
          ? { tan: body.tan, amount: body.amount, payee: body.payee }
          : { signature: body.signature, deviceId: body.device_id },
      ),
    }),
  );
};

export const handler = lambdaEntry('confirm-payment-authorization', build, { secrets: secretsManagerReader });
