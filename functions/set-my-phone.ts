import '#shared/aws/secrets-manager.ts';
import '#shared/aws/sns.ts';
import { personOf } from '#shared/auth/caller.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { runtime } from '#shared/runtime.ts';
import { setMyPhone } from '#shared/user-phone/use-cases.ts';
import { setMyPhoneBody } from '#shared/user-phone/user-phone.schema.ts';

export const handler = httpRoute('set-my-phone', { body: setMyPhoneBody }, async ({ caller, body }) => ({
  status: 200,
  body: await setMyPhone(runtime(), personOf(caller), body),
}));
