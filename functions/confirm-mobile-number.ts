import '#shared/aws/secrets-manager.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { confirmMobileNumberBody } from '#shared/mobile-number/mobile-number.schema.ts';
import { confirmMobileNumber } from '#shared/mobile-number/use-cases.ts';
import { runtime } from '#shared/runtime.ts';
import { personPath } from '#shared/validation.ts';

export const handler = httpRoute(
  'confirm-mobile-number',
  { params: personPath, body: confirmMobileNumberBody },
  async ({ params, body }) => ({
    status: 201,
    body: await confirmMobileNumber(runtime(), {
      personId: params.person_id,
      number: body.number,
      token: body.token,
      deviceData: body.device_data,
    }),
  }),
);
