import { personOf } from '#shared/auth/caller.ts';
import { secretsManagerReader } from '#shared/aws/secrets-manager.ts';
import { snsSmsSender } from '#shared/aws/sns.ts';
import { type Adapters, compose, lambdaEntry } from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { verifyMyPhone } from '#shared/user-phone/use-cases.ts';
import { connectVerifyMyPhoneBody } from '#shared/user-phone/user-phone.schema.ts';

/** Connect protocol: POST /zitadel.auth.v1.AuthService/VerifyMyPhone. What this route validates (OpenAPI is built from it). */
export const spec = { body: connectVerifyMyPhoneBody };

export const build = (adapters: Adapters) => {
  const rt = compose.myPhone(adapters);
  return httpRoute(
    'connect-verify-my-phone',
    { ...spec, authConfig: compose.pipeline(adapters) },
    async ({ caller, body }) => ({
      status: 200,
      body: await verifyMyPhone(rt, personOf(caller), body.code),
    }),
  );
};

export const handler = lambdaEntry('connect-verify-my-phone', build, {
  sms: snsSmsSender,
  secrets: secretsManagerReader,
});
