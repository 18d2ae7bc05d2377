import { secretsManagerReader } from '#shared/aws/secrets-manager.ts';
import { snsSmsSender } from '#shared/aws/sns.ts';
import * as compose from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { reauthorizeMobileNumberBody } from '#shared/mobile-number/mobile-number.schema.ts';
import { reauthorizeMobileNumber } from '#shared/mobile-number/use-cases.ts';
import { personPath } from '#shared/validation.ts';

/** What this route validates (the OpenAPI document is built from it). */
export const spec = { params: personPath, body: reauthorizeMobileNumberBody };

export const build = (adapters: Adapters) => {
  const rt = compose.issueOtp(adapters);
  return httpRoute(
    'reauthorize-mobile-number',
    { ...spec, authConfig: compose.pipeline(adapters), idempotency: compose.idempotency(adapters) },
    async ({ params, body }) => ({
      status: 201,
      body: await reauthorizeMobileNumber(rt, {
        personId: params.person_id,
        textKey: body.authorization_text_key,
        variables: body.authorization_text_variables,
        deviceData: body.device_data,
      }),
    }),
  );
};

export const handler = lambdaEntry('reauthorize-mobile-number', build, {
  sms: snsSmsSender,
  secrets: secretsManagerReader,
});
