import { httpRoute } from '#shared/http/pipeline.ts';
import { createMobileNumberBody } from '#shared/mobile-number/mobile-number.schema.ts';
import { createMobileNumber } from '#shared/mobile-number/use-cases.ts';
import { runtime } from '#shared/runtime.ts';
import { personPath } from '#shared/validation.ts';

export const handler = httpRoute(
  'create-mobile-number',
  { params: personPath, body: createMobileNumberBody },
  async ({ params, body }) => ({
    status: 201,
    body: await createMobileNumber(runtime(), {
      personId: params.person_id,
      number: body.number,
      deviceData: body.device_data,
    }),
  }),
);
