import '#shared/aws/secrets-manager.ts';
import { personOf } from '#shared/auth/caller.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { runtime } from '#shared/runtime.ts';
import { verifyMyPhone } from '#shared/user-phone/use-cases.ts';
import { verifyMyPhoneBody } from '#shared/user-phone/user-phone.schema.ts';

export const handler = httpRoute(
  'verify-my-phone',
  { body: verifyMyPhoneBody },
  async ({ caller, body }) => ({
    status: 200,
    body: await verifyMyPhone(runtime(), personOf(caller), body.code),
  }),
);
