import '#shared/aws/secrets-manager.ts';
import '#shared/aws/sns.ts';
import { personOf } from '#shared/auth/caller.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { runtime } from '#shared/runtime.ts';
import { setMyPhone } from '#shared/user-phone/use-cases.ts';
import { connectSetMyPhoneBody } from '#shared/user-phone/user-phone.schema.ts';

/** Connect protocol: POST /zitadel.auth.v1.AuthService/SetMyPhone. */
export const handler = httpRoute(
  'connect-set-my-phone',
  { body: connectSetMyPhoneBody },
  async ({ caller, body }) => ({
    status: 200,
    body: await setMyPhone(runtime(), personOf(caller), { phone: body.phone }),
  }),
);
