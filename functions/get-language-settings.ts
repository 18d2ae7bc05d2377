import * as compose from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { getLanguageSettings } from '#shared/language/use-cases.ts';
import { PLAIN_REQUESTS } from '#shared/validation.ts';

export const build = (adapters: Adapters) => {
  const rt = compose.languages(adapters);
  return httpRoute(
    'get-language-settings',
    { ...PLAIN_REQUESTS['get-language-settings'], authConfig: compose.pipeline(adapters) },
    async ({ params }) => ({
      status: 200,
      body: await getLanguageSettings(rt, params.person_id),
    }),
  );
};

export const handler = lambdaEntry('get-language-settings', build, {});
