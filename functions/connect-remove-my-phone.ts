import '#shared/aws/secrets-manager.ts';
import '#shared/aws/sns.ts';
import { personOf } from '#shared/auth/caller.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { runtime } from '#shared/runtime.ts';
import { removeMyPhone } from '#shared/user-phone/use-cases.ts';
import { connectRemoveMyPhoneBody } from '#shared/user-phone/user-phone.schema.ts';

/** Connect protocol: POST /zitadel.auth.v1.AuthService/RemoveMyPhone. */
export const handler = httpRoute(
  'connect-remove-my-phone',
  { body: connectRemoveMyPhoneBody },
  async ({ caller, body }) => ({
    status: 200,
    body: await removeMyPhone(runtime(), personOf(caller), body.code),
  }),
);
