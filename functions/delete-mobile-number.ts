import * as compose from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { MOBILE_NUMBER_REQUESTS } from '#shared/mobile-number/mobile-number.schema.ts';
import { deleteMobileNumber } from '#shared/mobile-number/use-cases.ts';

export const build = (adapters: Adapters) => {
  const rt = compose.deleteMobileNumber(adapters);
  return httpRoute(
    'delete-mobile-number',
    {
      ...MOBILE_NUMBER_REQUESTS['delete-mobile-number'],
      authConfig: compose.pipeline(adapters),
      idempotency: compose.idempotency(adapters),
    },
    async ({ params, body }) => deleteMobileNumber(rt, { personId: params.person_id, number: body.number }),
  );
};

export const handler = lambdaEntry('delete-mobile-number', build, {});
