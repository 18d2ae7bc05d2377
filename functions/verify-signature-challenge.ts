import { secretsManagerReader } from '#shared/aws/secrets-manager.ts';
import * as compose from '#shared/compose.ts';
import { challengePath, verifySignatureChallengeBody } from '#shared/devices/device.schema.ts';
import { verifySignatureChallenge } from '#shared/devices/use-cases.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';

/** What this route validates (the OpenAPI document is built from it). */
export const spec = { params: challengePath, body: verifySignatureChallengeBody };

export const build = (adapters: Adapters) => {
  const rt = compose.answerBinding(adapters);
  return httpRoute(
    'verify-signature-challenge',
    { ...spec, authConfig: compose.pipeline(adapters), idempotency: compose.idempotency(adapters) },
    async ({ params, body }) => {
      await verifySignatureChallenge(rt, {
        challengeId: params.challenge_id,
        signature: body.signature,
        personId: body.person_id,
      });
      return { status: 204 };
    },
  );
};

export const handler = lambdaEntry('verify-signature-challenge', build, { secrets: secretsManagerReader });
