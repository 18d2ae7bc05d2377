import * as compose from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { getLanguageSettings } from '#shared/language/use-cases.ts';
import { personPath } from '#shared/validation.ts';

/** What this route validates (the OpenAPI document is built from it). */
export const spec = { params: personPath };

export const build = (adapters: Adapters) => {
  const rt = compose.languages(adapters);
  return httpRoute(
    'get-language-settings',
    { ...spec, authConfig: compose.pipeline(adapters) },
    async ({ params }) => ({
      status: 200,
      body: await getLanguageSettings(rt, params.person_id),
    }),
  );
};

export const handler = lambdaEntry('get-language-settings', build, {});
