import { kmsReceiptSigner } from '#shared/aws/kms.ts';
import { secretsManagerReader } from '#shared/aws/secrets-manager.ts';
import * as compose from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { lazyAssertionVerifier } from '#shared/passkeys/assertion-verifier.ts';
import { deviceProofOf } from '#shared/passkeys/device-proof.ts';
import { PAYMENT_REQUESTS } from '#shared/payments/payment-authorization.schema.ts';
import { confirmPaymentAuthorization } from '#shared/payments/use-cases.ts';

export const build = (adapters: Adapters) => {
  const rt = { ...compose.confirmPaymentAuthorization(adapters), assertions: lazyAssertionVerifier };
  return httpRoute(
    'confirm-payment-authorization',
    {
      ...PAYMENT_REQUESTS['confirm-payment-authorization'],
      authConfig: compose.pipeline(adapters),
      idempotency: compose.idempotency(adapters),
    },
    async ({ params, body }) => ({
      status: 201,
      body: await confirmPaymentAuthorization(
        rt,
        params.id,
        'tan' in body && body.tan !== undefined
          ? { tan: body.tan, amount: body.amount, payee: body.payee }
          : { ...deviceProofOf(body), deviceId: body.device_id },
      ),
    }),
  );
};

export const handler = lambdaEntry('confirm-payment-authorization', build, {
  secrets: secretsManagerReader,
  receipts: kmsReceiptSigner,
});
