import { personOf } from '#shared/auth/caller.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { runtime } from '#shared/runtime.ts';
import { getMyPhone } from '#shared/user-phone/use-cases.ts';
import { connectEmptyBody } from '#shared/user-phone/user-phone.schema.ts';

/** Connect protocol: POST /zitadel.auth.v1.AuthService/GetMyPhone. */
export const handler = httpRoute('connect-get-my-phone', { body: connectEmptyBody }, async ({ caller }) => ({
  status: 200,
  body: await getMyPhone(runtime(), personOf(caller)),
}));
