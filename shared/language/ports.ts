import type { Language } from '../sms/templates.ts';

/** A person's SMS language setting. */
export interface Languages {
  get(personId: string): Promise<Language | undefined>;
  /** The person's setting, or English. */
  languageFor(personId: string): Promise<Language>;
  put(personId: string, language: Language, now: Date): Promise<void>;
}
