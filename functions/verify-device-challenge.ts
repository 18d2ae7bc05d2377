import { challengePath, verifyDeviceChallengeBody } from '#shared/devices/device.schema.ts';
import { verifyDeviceChallenge } from '#shared/devices/device-signing.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { runtime } from '#shared/runtime.ts';

export const handler = httpRoute(
  'verify-device-challenge',
  { params: challengePath, body: verifyDeviceChallengeBody },
  async ({ params, body }) => {
    await verifyDeviceChallenge(runtime(), {
      challengeId: params.challenge_id,
      signature: body.signature,
      personId: body.person_id,
    });
    return { status: 204 };
  },
);
