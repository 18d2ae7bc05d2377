import '#shared/aws/secrets-manager.ts';
import { personOf } from '#shared/auth/caller.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { runtime } from '#shared/runtime.ts';
import { verifyMyPhone } from '#shared/user-phone/use-cases.ts';
import { connectVerifyMyPhoneBody } from '#shared/user-phone/user-phone.schema.ts';

/** Connect protocol: POST /zitadel.auth.v1.AuthService/VerifyMyPhone. */
export const handler = httpRoute(
  'connect-verify-my-phone',
  { body: connectVerifyMyPhoneBody },
  async ({ caller, body }) => ({
    status: 200,
    body: await verifyMyPhone(runtime(), personOf(caller), body.code),
  }),
);
