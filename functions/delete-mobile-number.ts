import * as compose from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { deleteMobileNumberBody } from '#shared/mobile-number/mobile-number.schema.ts';
import { deleteMobileNumber } from '#shared/mobile-number/use-cases.ts';
import { personPath } from '#shared/validation.ts';

/** What this route validates (the OpenAPI document is built from it). */
export const spec = { params: personPath, body: deleteMobileNumberBody };

export const build = (adapters: Adapters) => {
  const rt = compose.deleteMobileNumber(adapters);
  return httpRoute(
    'delete-mobile-number',
    { ...spec, authConfig: compose.pipeline(adapters), idempotency: compose.idempotency(adapters) },
    async ({ params, body }) => deleteMobileNumber(rt, { personId: params.person_id, number: body.number }),
  );
};

export const handler = lambdaEntry('delete-mobile-number', build, {});
