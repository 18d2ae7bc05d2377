import { type Language, SMS_TEMPLATES, type SmsTemplate, type TemplateKey } from './templates.ts';

export class MissingTemplateVariable extends Error {
  constructor(readonly variable: string) {
    super(`SMS template variable "${variable}" has no value`);
    this.name = 'MissingTemplateVariable';
  }
}

const PLACEHOLDER = /\{([a-z_]+)\}/g;

export const isTemplateKey = (key: string): key is TemplateKey => Object.hasOwn(SMS_TEMPLATES, key);

export const templateFor = (key: TemplateKey): SmsTemplate => SMS_TEMPLATES[key];

/** The placeholders a template's text uses (the same in every language). */
export function templateVariables(key: TemplateKey): string[] {
  return [...new Set([...SMS_TEMPLATES[key].text.en.matchAll(PLACEHOLDER)].map((match) => match[1]!))];
}

/**
 * Renders a template in the wanted language, falling back to English where the table has no text. Every placeholder
 * must have a value: a missing one is an error, so an SMS never goes out with a literal `{tan}` in it.
 */
export function renderSms(key: TemplateKey, language: Language, variables: Record<string, string>): string {
  const template: SmsTemplate = SMS_TEMPLATES[key];
  const text = template.text[language] ?? template.text.en;
  return text.replace(PLACEHOLDER, (_, name: string) => {
    const value = variables[name];
    if (value === undefined) throw new MissingTemplateVariable(name);
    return value;
  });
}
