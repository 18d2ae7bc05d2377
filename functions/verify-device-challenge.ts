import * as compose from '#shared/compose.ts';
import { DEVICE_REQUESTS } from '#shared/devices/device.schema.ts';
import { verifyDeviceChallenge } from '#shared/devices/device-signing.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { lazyAssertionVerifier } from '#shared/passkeys/assertion-verifier.ts';
import { deviceProofOf } from '#shared/passkeys/device-proof.ts';

export const build = (adapters: Adapters) => {
  const rt = { ...compose.answerDeviceChallenge(adapters), assertions: lazyAssertionVerifier };
  return httpRoute(
    'verify-device-challenge',
    {
      ...DEVICE_REQUESTS['verify-device-challenge'],
      authConfig: compose.pipeline(adapters),
      idempotency: compose.idempotency(adapters),
    },
    async ({ params, body }) => {
      await verifyDeviceChallenge(rt, {
        challengeId: params.challenge_id,
        ...deviceProofOf(body),
        personId: body.person_id,
      });
      return { status: 204 };
    },
  );
};

export const handler = lambdaEntry('verify-device-challenge', build, {});
