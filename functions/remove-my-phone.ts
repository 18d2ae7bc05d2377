import '#shared/aws/secrets-manager.ts';
import '#shared/aws/sns.ts';
import { personOf } from '#shared/auth/caller.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { runtime } from '#shared/runtime.ts';
import { removeMyPhone } from '#shared/user-phone/use-cases.ts';
import { removeMyPhoneBody } from '#shared/user-phone/user-phone.schema.ts';

export const handler = httpRoute(
  'remove-my-phone',
  { body: removeMyPhoneBody },
  async ({ caller, body }) => ({
    status: 200,
    body: await removeMyPhone(runtime(), personOf(caller), body.code),
  }),
);
