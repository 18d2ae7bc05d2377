import { describe, expect, it } from 'vitest';
import { codeIn } from '../../shared/local/console/sms-code.ts';
import { renderSms, templateFor, templateVariables } from '../../shared/sms/render.ts';
import { LANGUAGES, SMS_TEMPLATES, type TemplateKey } from '../../shared/sms/templates.ts';

const KEYS = Object.keys(SMS_TEMPLATES) as TemplateKey[];
/** Values full of digits, six of them in a row too, so that only the template can tell where the code is. */
const variablesFor = (key: TemplateKey, tan: string) =>
  Object.fromEntries(
    templateVariables(key).map((name) => [
      name,
      name === templateFor(key).otpVariable ? tan : name === 'amount' ? '654321.00 EUR' : `${name}-111111`,
    ]),
  );

describe('the code the console highlights in an SMS', () => {
  const withCode = KEYS.filter((key) => templateFor(key).otpVariable);
  it.each(
    withCode.flatMap((key) => LANGUAGES.map((language) => [key, language] as const)),
  )('is the OTP variable of %s in %s, found at its place in the text', (key, language) => {
    const text = renderSms(key, language, variablesFor(key, '987650'));
    const code = codeIn({ text, template_key: key, language });
    expect(code).toEqual({ value: '987650', index: text.lastIndexOf('987650') });
    expect(text.slice(code!.index, code!.index + 6)).toBe('987650');
    // With an appended last line (an app hash), too.
    expect(codeIn({ text: `${text}\nFA+9qCX9VSu`, template_key: key, language })?.value).toBe('987650');
  });

  it('is absent from texts without one, from unknown templates and from texts that do not fit their template', () => {
    const notice = renderSms('sms.mobile_number.deleted_notification', 'en', { number: '+4915123456789' });
    expect(
      codeIn({ text: notice, template_key: 'sms.mobile_number.deleted_notification', language: 'en' }),
    ).toBe(undefined);
    expect(codeIn({ text: 'Your code 123456', template_key: 'sms.unknown', language: 'en' })).toBe(undefined);
    expect(
      codeIn({
        text: 'Something else: 123456',
        template_key: 'sms.mobile_number.verify_number',
        language: 'en',
      }),
    ).toBe(undefined);
  });
});
