import { httpRoute } from '#shared/http/pipeline.ts';
import { getLanguageSettings } from '#shared/language/use-cases.ts';
import { runtime } from '#shared/runtime.ts';
import { personPath } from '#shared/validation.ts';

export const handler = httpRoute('get-language-settings', { params: personPath }, async ({ params }) => ({
  status: 200,
  body: await getLanguageSettings(runtime(), params.person_id),
}));
