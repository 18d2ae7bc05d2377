import '#shared/aws/secrets-manager.ts';
import '#shared/aws/sns.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { authorizeMobileNumberBody } from '#shared/mobile-number/mobile-number.schema.ts';
import { authorizeMobileNumber } from '#shared/mobile-number/use-cases.ts';
import { runtime } from '#shared/runtime.ts';
import { personPath } from '#shared/validation.ts';

export const handler = httpRoute(
  'authorize-mobile-number',
  { params: personPath, body: authorizeMobileNumberBody },
  async ({ params, body }) => ({
    status: 201,
    body: await authorizeMobileNumber(runtime(), {
      personId: params.person_id,
      number: body.number,
      deviceData: body.device_data,
    }),
  }),
);
