import { personOf } from '#shared/auth/caller.ts';
import { secretsManagerReader } from '#shared/aws/secrets-manager.ts';
import { snsSmsSender } from '#shared/aws/sns.ts';
import * as compose from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { resendMyPhoneVerification } from '#shared/user-phone/use-cases.ts';

/** What this route validates (the OpenAPI document is built from it). */
export const spec = {};

export const build = (adapters: Adapters) => {
  const rt = compose.myPhone(adapters);
  return httpRoute(
    'resend-my-phone-verification',
    { ...spec, authConfig: compose.pipeline(adapters) },
    async ({ caller }) => ({
      status: 200,
      body: await resendMyPhoneVerification(rt, personOf(caller)),
    }),
  );
};

export const handler = lambdaEntry('resend-my-phone-verification', build, {
  sms: snsSmsSender,
  secrets: secretsManagerReader,
});
