import { personOf } from '#shared/auth/caller.ts';
import { secretsManagerReader } from '#shared/aws/secrets-manager.ts';
import { snsSmsSender } from '#shared/aws/sns.ts';
import * as compose from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { setMyPhone } from '#shared/user-phone/use-cases.ts';
import { connectSetMyPhoneBody } from '#shared/user-phone/user-phone.schema.ts';

/** Connect protocol: POST /zitadel.auth.v1.AuthService/SetMyPhone. What this route validates (OpenAPI is built from it). */
export const spec = { body: connectSetMyPhoneBody };

export const build = (adapters: Adapters) => {
  const rt = compose.myPhone(adapters);
  return httpRoute(
    'connect-set-my-phone',
    { ...spec, authConfig: compose.pipeline(adapters) },
    async ({ caller, body }) => ({
      status: 200,
      body: await setMyPhone(rt, personOf(caller), { phone: body.phone }),
    }),
  );
};

export const handler = lambdaEntry('connect-set-my-phone', build, {
  sms: snsSmsSender,
  secrets: secretsManagerReader,
});
