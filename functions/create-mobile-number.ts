import * as compose from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { MOBILE_NUMBER_REQUESTS } from '#shared/mobile-number/mobile-number.schema.ts';
import { createMobileNumber } from '#shared/mobile-number/use-cases.ts';

export const build = (adapters: Adapters) => {
  const rt = compose.createMobileNumber(adapters);
  return httpRoute(
    'create-mobile-number',
    {
      ...MOBILE_NUMBER_REQUESTS['create-mobile-number'],
      authConfig: compose.pipeline(adapters),
      idempotency: compose.idempotency(adapters),
    },
    async ({ params, body }) => ({
      status: 201,
      body: await createMobileNumber(rt, {
        personId: params.person_id,
        number: body.number,
        deviceData: body.device_data,
      }),
    }),
  );
};

export const handler = lambdaEntry('create-mobile-number', build, {});
