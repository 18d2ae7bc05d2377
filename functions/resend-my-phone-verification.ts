import '#shared/aws/secrets-manager.ts';
import '#shared/aws/sns.ts';
import { personOf } from '#shared/auth/caller.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { runtime } from '#shared/runtime.ts';
import { resendMyPhoneVerification } from '#shared/user-phone/use-cases.ts';

export const handler = httpRoute('resend-my-phone-verification', {}, async ({ caller }) => ({
  status: 200,
  body: await resendMyPhoneVerification(runtime(), personOf(caller)),
}));
