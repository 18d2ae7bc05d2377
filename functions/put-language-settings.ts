import { httpRoute } from '#shared/http/pipeline.ts';
import { putLanguageSettings } from '#shared/language/use-cases.ts';
import { languageSettingsBody } from '#shared/mobile-number/mobile-number.schema.ts';
import { runtime } from '#shared/runtime.ts';
import { personPath } from '#shared/validation.ts';

export const handler = httpRoute(
  'put-language-settings',
  { params: personPath, body: languageSettingsBody },
  async ({ params, body }) => ({
    status: 200,
    body: await putLanguageSettings(runtime(), params.person_id, body.language),
  }),
);
