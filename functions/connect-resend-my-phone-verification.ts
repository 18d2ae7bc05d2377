import '#shared/aws/secrets-manager.ts';
import '#shared/aws/sns.ts';
import { personOf } from '#shared/auth/caller.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { runtime } from '#shared/runtime.ts';
import { resendMyPhoneVerification } from '#shared/user-phone/use-cases.ts';
import { connectEmptyBody } from '#shared/user-phone/user-phone.schema.ts';

/** Connect protocol: POST /zitadel.auth.v1.AuthService/ResendMyPhoneVerification. */
export const handler = httpRoute(
  'connect-resend-my-phone-verification',
  { body: connectEmptyBody },
  async ({ caller }) => ({ status: 200, body: await resendMyPhoneVerification(runtime(), personOf(caller)) }),
);
