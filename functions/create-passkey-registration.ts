import { secretsManagerReader } from '#shared/aws/secrets-manager.ts';
import { snsSmsSender } from '#shared/aws/sns.ts';
import * as compose from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { PASSKEY_REQUESTS } from '#shared/passkeys/passkey.schema.ts';
import { startPasskeyBinding } from '#shared/passkeys/use-cases.ts';

export const build = (adapters: Adapters) => {
  const rt = compose.bindPasskey(adapters);
  return httpRoute(
    'create-passkey-registration',
    {
      ...PASSKEY_REQUESTS['create-passkey-registration'],
      authConfig: compose.pipeline(adapters),
      idempotency: compose.idempotency(adapters),
    },
    async ({ body }) => ({
      status: 202,
      body: await startPasskeyBinding(rt, {
        personId: body.person_id,
        name: body.name,
        userName: body.user_name,
        language: body.language,
      }),
    }),
  );
};

export const handler = lambdaEntry('create-passkey-registration', build, {
  sms: snsSmsSender,
  secrets: secretsManagerReader,
});
