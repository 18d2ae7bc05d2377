import * as compose from '#shared/compose.ts';
import { challengePath, ownerQuery } from '#shared/devices/device.schema.ts';
import { getSignatureChallenge } from '#shared/devices/use-cases.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';

/** What this route validates (the OpenAPI document is built from it). */
export const spec = { params: challengePath, query: ownerQuery };

export const build = (adapters: Adapters) => {
  const rt = compose.devices(adapters);
  return httpRoute(
    'get-signature-challenge',
    { ...spec, authConfig: compose.pipeline(adapters) },
    async ({ params, query }) => ({
      status: 200,
      body: await getSignatureChallenge(rt, {
        challengeId: params.challenge_id,
        personId: query.person_id,
      }),
    }),
  );
};

export const handler = lambdaEntry('get-signature-challenge', build, {});
