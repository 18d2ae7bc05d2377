import { secretsManagerReader } from '#shared/aws/secrets-manager.ts';
import { snsSmsSender } from '#shared/aws/sns.ts';
import * as compose from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { PAYMENT_REQUESTS } from '#shared/payments/payment-authorization.schema.ts';
import { createPaymentAuthorization } from '#shared/payments/use-cases.ts';

export const build = (adapters: Adapters) => {
  const rt = compose.createPaymentAuthorization(adapters);
  return httpRoute(
    'create-payment-authorization',
    {
      ...PAYMENT_REQUESTS['create-payment-authorization'],
      authConfig: compose.pipeline(adapters),
      idempotency: compose.idempotency(adapters),
    },
    async ({ params, body }) => ({
      status: 201,
      body: await createPaymentAuthorization(rt, {
        personId: params.person_id,
        amount: body.amount,
        payee: body.payee,
        description: body.description,
        method:
          body.method === 'sms'
            ? { kind: 'sms' }
            : {
                kind: 'device_signing',
                deviceId: body.device_id,
                keyPurpose: body.key_purpose ?? 'unrestricted',
              },
      }),
    }),
  );
};

export const handler = lambdaEntry('create-payment-authorization', build, {
  sms: snsSmsSender,
  secrets: secretsManagerReader,
});
