import { secretsManagerReader } from '#shared/aws/secrets-manager.ts';
import { snsSmsSender } from '#shared/aws/sns.ts';
import { CHANGE_REQUEST_REQUESTS } from '#shared/change-requests/change-request.schema.ts';
import { confirmChangeRequest } from '#shared/change-requests/use-cases.ts';
import * as compose from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { lazyAssertionVerifier } from '#shared/passkeys/assertion-verifier.ts';
import { deviceProofOf } from '#shared/passkeys/device-proof.ts';

export const build = (adapters: Adapters) => {
  const rt = { ...compose.confirmChangeRequest(adapters), assertions: lazyAssertionVerifier };
  return httpRoute(
    'confirm-change-request',
    {
      ...CHANGE_REQUEST_REQUESTS['confirm-change-request'],
      authConfig: compose.pipeline(adapters),
      idempotency: compose.idempotency(adapters),
    },
    async ({ params, body }) => ({
      status: 201,
      body: await confirmChangeRequest(
        rt,
        'tan' in body
          ? { id: params.id, personId: body.person_id, tan: body.tan }
          : { id: params.id, deviceId: body.device_id, ...deviceProofOf(body) },
      ),
    }),
  );
};

export const handler = lambdaEntry('confirm-change-request', build, {
  sms: snsSmsSender,
  secrets: secretsManagerReader,
});
