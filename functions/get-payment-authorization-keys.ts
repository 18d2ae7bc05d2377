import { kmsReceiptSigner } from '#shared/aws/kms.ts';
import * as compose from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { PAYMENT_REQUESTS } from '#shared/payments/payment-authorization.schema.ts';
import { receiptKeys } from '#shared/payments/use-cases.ts';

export const build = (adapters: Adapters) => {
  const rt = compose.receiptKeys(adapters);
  return httpRoute(
    'get-payment-authorization-keys',
    { ...PAYMENT_REQUESTS['get-payment-authorization-keys'], authConfig: compose.pipeline(adapters) },
    async () => ({ status: 200, body: await receiptKeys(rt) }),
  );
};

export const handler = lambdaEntry('get-payment-authorization-keys', build, { receipts: kmsReceiptSigner });
