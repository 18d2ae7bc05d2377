import '#shared/aws/secrets-manager.ts';
import { challengePath, verifySignatureChallengeBody } from '#shared/devices/device.schema.ts';
import { verifySignatureChallenge } from '#shared/devices/use-cases.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { runtime } from '#shared/runtime.ts';

export const handler = httpRoute(
  'verify-signature-challenge',
  { params: challengePath, body: verifySignatureChallengeBody },
  async ({ params, body }) => {
    await verifySignatureChallenge(runtime(), {
      challengeId: params.challenge_id,
      signature: body.signature,
      personId: body.person_id,
    });
    return { status: 204 };
  },
);
