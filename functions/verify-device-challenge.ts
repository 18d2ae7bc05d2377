import * as compose from '#shared/compose.ts';
import { challengePath, verifyDeviceChallengeBody } from '#shared/devices/device.schema.ts';
import { verifyDeviceChallenge } from '#shared/devices/device-signing.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';

/** What this route validates (the OpenAPI document is built from it). */
export const spec = { params: challengePath, body: verifyDeviceChallengeBody };

export const build = (adapters: Adapters) => {
  const rt = compose.devices(adapters);
  return httpRoute(
    'verify-device-challenge',
    { ...spec, authConfig: compose.pipeline(adapters), idempotency: compose.idempotency(adapters) },
    async ({ params, body }) => {
      await verifyDeviceChallenge(rt, {
        challengeId: params.challenge_id,
        signature: body.signature,
        personId: body.person_id,
      });
      return { status: 204 };
    },
  );
};

export const handler = lambdaEntry('verify-device-challenge', build, {});
