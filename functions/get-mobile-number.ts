import { httpRoute } from '#shared/http/pipeline.ts';
import { getMobileNumber } from '#shared/mobile-number/use-cases.ts';
import { runtime } from '#shared/runtime.ts';
import { personPath } from '#shared/validation.ts';

export const handler = httpRoute('get-mobile-number', { params: personPath }, async ({ params }) => ({
  status: 200,
  body: await getMobileNumber(runtime(), params.person_id),
}));
