import { isTemplateKey, templateFor } from '../../sms/render.ts';
import type { Language } from '../../sms/templates.ts';

const PLACEHOLDER = /(\{[a-z_]+\})/;
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The OTP or TAN in an SMS text, found by matching the text against its own template (in its language) rather than
 * by guessing at digits: a number, an IBAN or an amount in the same text is never taken for the code.
 */
export function codeIn(sms: {
  text: string;
  template_key: string;
  language: string;
}): { value: string; index: number } | undefined {
  if (!isTemplateKey(sms.template_key)) return undefined;
  const template = templateFor(sms.template_key);
  if (!template.otpVariable) return undefined;
  const text = template.text[sms.language as Language] ?? template.text.en;
  let group = 0;
  let codeGroup = 0;
  const source = text
    .split(PLACEHOLDER)
    .map((part) => {
      const name = /^\{([a-z_]+)\}$/.exec(part)?.[1];
      if (!name) return escapeRegExp(part);
      group++;
      if (name === template.otpVariable) codeGroup = group;
      return '([^\\n]*?)';
    })
    .join('');
  // A last line (an app hash for Android's SMS Retriever) may follow the rendered text.
  const match = new RegExp(`^${source}(?:\\n[\\s\\S]*)?$`, 'd').exec(sms.text);
  const span = match?.indices?.[codeGroup];
  if (!match || !span || codeGroup === 0) return undefined;
  const value = match[codeGroup]!;
  return value ? { value, index: span[0] } : undefined;
}
