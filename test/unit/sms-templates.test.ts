import { describe, expect, it } from 'vitest';
import { MissingTemplateVariable, renderSms, templateVariables } from '../../shared/sms/render.ts';
import { LANGUAGES, SMS_TEMPLATES, type TemplateKey } from '../../shared/sms/templates.ts';

const keys = Object.keys(SMS_TEMPLATES) as TemplateKey[];
/** The only cells of the guide's table that are `-`. */
const EN_FALLBACKS = new Set(['sms.business.unauthorized_change:de', 'sms.business.unauthorized_change:it']);

describe('SMS templates', () => {
  it("cover all 17 rows of the template table, and the service's own reset notice and payment authorization text", () => {
    expect(keys).toHaveLength(19);
    expect(keys).toContain('sms.payment.authorize');
    expect(keys).toContain('sms.mobile_number.verify_number');
    expect(keys).toContain('sms.second_factor.reset_notification');
  });

  it.each(keys)('%s renders in every language with no placeholder left', (key) => {
    const variables = Object.fromEntries(templateVariables(key).map((name) => [name, `<${name}>`]));
    for (const language of LANGUAGES) {
      const text = renderSms(key, language, variables);
      expect(text).not.toMatch(/[{}]/);
      for (const name of templateVariables(key)) expect(text).toContain(`<${name}>`);
      const fallsBack = EN_FALLBACKS.has(`${key}:${language}`);
      const own = (SMS_TEMPLATES[key].text as Record<string, string | undefined>)[language];
      expect(own === undefined).toBe(fallsBack);
      if (language !== 'en' && !fallsBack) expect(text).not.toBe(renderSms(key, 'en', variables));
    }
  });

  it('uses the same placeholders in every language', () => {
    for (const key of keys) {
      const expected = templateVariables(key).sort();
      for (const text of Object.values(SMS_TEMPLATES[key].text)) {
        const found = [...new Set([...text.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]))].sort();
        expect(found, `${key}: ${text}`).toEqual(expected);
      }
    }
  });

  it('names the OTP variable of every challenge text', () => {
    for (const key of keys) {
      const otp = (SMS_TEMPLATES[key] as { otpVariable?: string }).otpVariable;
      if (otp) expect(templateVariables(key)).toContain(otp);
    }
  });

  it('writes the German verification text with the code', () => {
    expect(renderSms('sms.mobile_number.verify_number', 'de', { tan: '123456' })).toBe(
      'Bitte verifizieren Sie Ihre Handynummer mit folgender TAN: 123456',
    );
  });

  it('refuses to render with a variable missing', () => {
    expect(() => renderSms('sms.sepa.transaction', 'en', { tan: '123456', iban: 'DE02' })).toThrow(
      MissingTemplateVariable,
    );
  });
});
