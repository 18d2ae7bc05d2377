import { challengePath, ownerQuery } from '#shared/devices/device.schema.ts';
import { getSignatureChallenge } from '#shared/devices/use-cases.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { runtime } from '#shared/runtime.ts';

export const handler = httpRoute(
  'get-signature-challenge',
  { params: challengePath, query: ownerQuery },
  async ({ params, query }) => ({
    status: 200,
    body: await getSignatureChallenge(runtime(), {
      challengeId: params.challenge_id,
      personId: query.person_id,
    }),
  }),
);
