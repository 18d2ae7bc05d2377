import * as compose from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { putLanguageSettings } from '#shared/language/use-cases.ts';
import { languageSettingsBody } from '#shared/mobile-number/mobile-number.schema.ts';
import { personPath } from '#shared/validation.ts';

/** What this route validates (the OpenAPI document is built from it). */
export const spec = { params: personPath, body: languageSettingsBody };

export const build = (adapters: Adapters) => {
  const rt = compose.languages(adapters);
  return httpRoute(
    'put-language-settings',
    { ...spec, authConfig: compose.pipeline(adapters), idempotency: compose.idempotency(adapters) },
    async ({ params, body }) => ({
      status: 200,
      body: await putLanguageSettings(rt, params.person_id, body.language),
    }),
  );
};

export const handler = lambdaEntry('put-language-settings', build, {});
