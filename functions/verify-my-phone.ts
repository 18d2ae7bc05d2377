import { personOf } from '#shared/auth/caller.ts';
import { secretsManagerReader } from '#shared/aws/secrets-manager.ts';
import { snsSmsSender } from '#shared/aws/sns.ts';
import { type Adapters, compose, lambdaEntry } from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { verifyMyPhone } from '#shared/user-phone/use-cases.ts';
import { verifyMyPhoneBody } from '#shared/user-phone/user-phone.schema.ts';

/** What this route validates (the OpenAPI document is built from it). */
export const spec = { body: verifyMyPhoneBody };

export const build = (adapters: Adapters) => {
  const rt = compose.myPhone(adapters);
  return httpRoute(
    'verify-my-phone',
    { ...spec, authConfig: compose.pipeline(adapters) },
    async ({ caller, body }) => ({
      status: 200,
      body: await verifyMyPhone(rt, personOf(caller), body.code),
    }),
  );
};

export const handler = lambdaEntry('verify-my-phone', build, {
  sms: snsSmsSender,
  secrets: secretsManagerReader,
});
