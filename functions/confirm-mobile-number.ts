import { secretsManagerReader } from '#shared/aws/secrets-manager.ts';
import { snsSmsSender } from '#shared/aws/sns.ts';
import { type Adapters, compose, lambdaEntry } from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { confirmMobileNumberBody } from '#shared/mobile-number/mobile-number.schema.ts';
import { confirmMobileNumber } from '#shared/mobile-number/use-cases.ts';
import { personPath } from '#shared/validation.ts';

/** What this route validates (the OpenAPI document is built from it). */
export const spec = { params: personPath, body: confirmMobileNumberBody };

export const build = (adapters: Adapters) => {
  const rt = compose.confirmMobileNumber(adapters);
  return httpRoute(
    'confirm-mobile-number',
    { ...spec, authConfig: compose.pipeline(adapters), idempotency: compose.idempotency(adapters) },
    async ({ params, body }) => ({
      status: 201,
      body: await confirmMobileNumber(rt, {
        personId: params.person_id,
        number: body.number,
        token: body.token,
        deviceData: body.device_data,
      }),
    }),
  );
};

export const handler = lambdaEntry('confirm-mobile-number', build, {
  sms: snsSmsSender,
  secrets: secretsManagerReader,
});
