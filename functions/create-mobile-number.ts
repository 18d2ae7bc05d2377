import { type Adapters, compose, lambdaEntry } from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import {
  createMobileNumberBody,
  createMobileNumberQuery,
} from '#shared/mobile-number/mobile-number.schema.ts';
import { createMobileNumber } from '#shared/mobile-number/use-cases.ts';
import { personPath } from '#shared/validation.ts';

/** What this route validates (the OpenAPI document is built from it). */
export const spec = { params: personPath, query: createMobileNumberQuery, body: createMobileNumberBody };

export const build = (adapters: Adapters) => {
  const rt = compose.createMobileNumber(adapters);
  return httpRoute(
    'create-mobile-number',
    { ...spec, authConfig: compose.pipeline(adapters), idempotency: compose.idempotency(adapters) },
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
