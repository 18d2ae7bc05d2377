import { personOf } from '#shared/auth/caller.ts';
import * as compose from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { getMyPhone } from '#shared/user-phone/use-cases.ts';

/** What this route validates (the OpenAPI document is built from it). */
export const spec = {};

export const build = (adapters: Adapters) => {
  const rt = compose.readMyPhone(adapters);
  return httpRoute(
    'get-my-phone',
    { ...spec, authConfig: compose.pipeline(adapters) },
    async ({ caller }) => ({
      status: 200,
      body: await getMyPhone(rt, personOf(caller)),
    }),
  );
};

export const handler = lambdaEntry('get-my-phone', build, {});
