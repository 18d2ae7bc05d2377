import { secretsManagerReader } from '#shared/aws/secrets-manager.ts';
import { snsSmsSender } from '#shared/aws/sns.ts';
import { type Adapters, compose, lambdaEntry } from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import {
  createPaymentAuthorizationBody,
  personPaymentPath,
} from '#shared/payments/payment-authorization.schema.ts';
import { createPaymentAuthorization } from '#shared/payments/use-cases.ts';

/** What this route validates (the OpenAPI document is built from it). */
export const spec = { params: personPaymentPath, body: createPaymentAuthorizationBody };

export const build = (adapters: Adapters) => {
  const rt = compose.createPaymentAuthorization(adapters);
  return httpRoute(
    'create-payment-authorization',
    { ...spec, authConfig: compose.pipeline(adapters), idempotency: compose.idempotency(adapters) },
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
