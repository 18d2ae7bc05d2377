import * as compose from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { getMobileNumber } from '#shared/mobile-number/use-cases.ts';
import { personPath } from '#shared/validation.ts';

/** What this route validates (the OpenAPI document is built from it). */
export const spec = { params: personPath };

export const build = (adapters: Adapters) => {
  const rt = compose.readMobileNumber(adapters);
  return httpRoute(
    'get-mobile-number',
    { ...spec, authConfig: compose.pipeline(adapters) },
    async ({ params }) => ({
      status: 200,
      body: await getMobileNumber(rt, params.person_id),
    }),
  );
};

export const handler = lambdaEntry('get-mobile-number', build, {});
