import { challengePath, ownerQuery } from '#shared/devices/device.schema.ts';
import { getDeviceChallenge } from '#shared/devices/device-signing.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { runtime } from '#shared/runtime.ts';

export const handler = httpRoute(
  'get-device-challenge',
  { params: challengePath, query: ownerQuery },
  async ({ params, query }) => ({
    status: 200,
    body: await getDeviceChallenge(runtime(), {
      challengeId: params.challenge_id,
      personId: query.person_id,
    }),
  }),
);
