import { personOf } from '#shared/auth/caller.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { runtime } from '#shared/runtime.ts';
import { getMyPhone } from '#shared/user-phone/use-cases.ts';

export const handler = httpRoute('get-my-phone', {}, async ({ caller }) => ({
  status: 200,
  body: await getMyPhone(runtime(), personOf(caller)),
}));
