import { personOf } from '#shared/auth/caller.ts';
import * as compose from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { getMyPhone } from '#shared/user-phone/use-cases.ts';
import { connectEmptyBody } from '#shared/user-phone/user-phone.schema.ts';

/** Connect protocol: POST /zitadel.auth.v1.AuthService/GetMyPhone. What this route validates (OpenAPI is built from it). */
export const spec = { body: connectEmptyBody };

export const build = (adapters: Adapters) => {
  const rt = compose.readMyPhone(adapters);
  return httpRoute(
    'connect-get-my-phone',
    { ...spec, authConfig: compose.pipeline(adapters) },
    async ({ caller }) => ({
      status: 200,
      body: await getMyPhone(rt, personOf(caller)),
    }),
  );
};

export const handler = lambdaEntry('connect-get-my-phone', build, {});
