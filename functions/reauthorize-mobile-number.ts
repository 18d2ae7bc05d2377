import '#shared/aws/secrets-manager.ts';
import '#shared/aws/sns.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { reauthorizeMobileNumberBody } from '#shared/mobile-number/mobile-number.schema.ts';
import { reauthorizeMobileNumber } from '#shared/mobile-number/use-cases.ts';
import { runtime } from '#shared/runtime.ts';
import { personPath } from '#shared/validation.ts';

export const handler = httpRoute(
  'reauthorize-mobile-number',
  { params: personPath, body: reauthorizeMobileNumberBody },
  async ({ params, body }) => ({
    status: 201,
    body: await reauthorizeMobileNumber(runtime(), {
      personId: params.person_id,
      textKey: body.authorization_text_key,
      variables: body.authorization_text_variables,
      deviceData: body.device_data,
    }),
  }),
);
