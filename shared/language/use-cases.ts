import type { Uses } from '../deps.ts';
import type { Language } from '../sms/templates.ts';
import { DEFAULT_LANGUAGE } from './dynamo-language-store.ts';

type Rt = Uses<'clock' | 'languages'>;

export interface LanguageSettingsView {
  language: Language;
}

/** A person without settings gets English SMS, and reads back `en`. */
export async function getLanguageSettings(rt: Rt, personId: string): Promise<LanguageSettingsView> {
  return { language: (await rt.languages.get(personId)) ?? DEFAULT_LANGUAGE };
}

export async function putLanguageSettings(
  rt: Rt,
  personId: string,
  language: Language,
): Promise<LanguageSettingsView> {
  await rt.languages.put(personId, language, rt.clock.now());
  return { language };
}
