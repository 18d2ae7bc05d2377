import { secretsManagerReader } from '#shared/aws/secrets-manager.ts';
import * as compose from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { PASSKEY_REQUESTS } from '#shared/passkeys/passkey.schema.ts';
import { passkeyCreationOptions } from '#shared/passkeys/use-cases.ts';

export const build = (adapters: Adapters) => {
  const rt = compose.bindPasskey(adapters);
  return httpRoute(
    'create-passkey-registration-options',
    {
      ...PASSKEY_REQUESTS['create-passkey-registration-options'],
      authConfig: compose.pipeline(adapters),
      idempotency: compose.idempotency(adapters),
    },
    async ({ params, body }) => ({
      status: 201,
      body: await passkeyCreationOptions(rt, {
        registrationId: params.registration_id,
        tan: body.tan,
        personId: body.person_id,
        paymentConfirmation: body.payment_confirmation,
      }),
    }),
  );
};

export const handler = lambdaEntry('create-passkey-registration-options', build, {
  secrets: secretsManagerReader,
});
