import * as compose from '#shared/compose.ts';
import { DEVICE_REQUESTS } from '#shared/devices/device.schema.ts';
import { getSignatureChallenge } from '#shared/devices/use-cases.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';

export const build = (adapters: Adapters) => {
  const rt = compose.devices(adapters);
  return httpRoute(
    'get-signature-challenge',
    { ...DEVICE_REQUESTS['get-signature-challenge'], authConfig: compose.pipeline(adapters) },
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
