import { httpRoute } from '#shared/http/pipeline.ts';
import { deleteMobileNumberBody } from '#shared/mobile-number/mobile-number.schema.ts';
import { deleteMobileNumber } from '#shared/mobile-number/use-cases.ts';
import { runtime } from '#shared/runtime.ts';
import { personPath } from '#shared/validation.ts';

export const handler = httpRoute(
  'delete-mobile-number',
  { params: personPath, body: deleteMobileNumberBody },
  async ({ params, body }) =>
    deleteMobileNumber(runtime(), { personId: params.person_id, number: body.number }),
);
