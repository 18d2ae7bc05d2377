import * as compose from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { asRegistration, PASSKEY_REQUESTS } from '#shared/passkeys/passkey.schema.ts';
import { completePasskeyBinding } from '#shared/passkeys/use-cases.ts';

export const build = (adapters: Adapters) => {
  const rt = compose.completePasskey(adapters);
  return httpRoute(
    'complete-passkey-registration',
    {
      ...PASSKEY_REQUESTS['complete-passkey-registration'],
      authConfig: compose.pipeline(adapters),
      idempotency: compose.idempotency(adapters),
    },
    async ({ params, body }) => ({
      status: 201,
      body: await completePasskeyBinding(rt, {
        registrationId: params.registration_id,
        credential: asRegistration(body.credential),
        personId: body.person_id,
      }),
    }),
  );
};

export const handler = lambdaEntry('complete-passkey-registration', build, {});
