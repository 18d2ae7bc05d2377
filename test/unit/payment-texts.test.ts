import { describe, expect, it } from 'vitest';
import { reauthorizeMobileNumberBody } from '../../shared/mobile-number/mobile-number.schema.ts';
import { OPERATOR_REQUESTS } from '../../shared/operator/operator.schema.ts';
import {
  decimalOf,
  formatAmount,
  formatPayee,
  MAX_AMOUNT_MINOR,
  minorDigits,
  termsDigest,
} from '../../shared/payments/canonical.ts';
import { ISO_CURRENCIES, isoMinorUnits } from '../../shared/payments/iso-4217.ts';
import { PAYMENT_REQUESTS } from '../../shared/payments/payment-authorization.schema.ts';
import {
  normalizeShown,
  PAYEE_NAME_MAX_WIDTH,
  PREVIEW_CHARS,
  shownWidth,
  showsAccountNumber,
} from '../../shared/payments/shown-text.ts';
import { renderSms } from '../../shared/sms/render.ts';
import { LANGUAGES } from '../../shared/sms/templates.ts';
import * as z from '../../shared/zod.ts';

const IBAN = 'DE89370400440532013000';
const body = PAYMENT_REQUESTS['create-payment-authorization'].body;
const parse = (change: Record<string, unknown>) =>
  z.safeParse(body, {
    amount: { value: 1250, currency: 'EUR' },
    payee: { name: 'Müller Bäckerei GmbH', iban: IBAN },
    method: 'sms',
    ...change,
  });
const issuesOf = (result: ReturnType<typeof z.safeParse>) =>
  result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
const withName = (name: string) => parse({ payee: { name, iban: IBAN } });

describe('text fields are well-formed Unicode', () => {
  it.each([
    ['a lone high surrogate', 'M\uD800ller'],
    ['a lone low surrogate', 'M\uDC00ller'],
  ])('refuses %s in the payee name', (_, name) => {
    expect(issuesOf(withName(name))).toContain(
      'payee.name: must be well-formed Unicode (no lone surrogates)',
    );
  });

  it('refuses one in the description, and keeps a proper surrogate pair', () => {
    expect(issuesOf(parse({ description: 'Rechnung \uDFFF' }))[0]).toMatch(
      /^description: must be well-formed/,
    );
    const pair = withName('Café 😀');
    expect(pair.success && pair.data.payee.name).toBe('Café 😀');
  });

  it('refuses one in the operator’s reason and in reauthorize’s SMS variables', () => {
    const reset = z.safeParse(OPERATOR_REQUESTS['reset-second-factor'].body, {
      reason: 'Ticket \uD800',
      revoke_devices: true,
    });
    expect(issuesOf(reset)).toContain('reason: must be well-formed Unicode (no lone surrogates)');
    const reauthorize = z.safeParse(reauthorizeMobileNumberBody, {
      authorization_text_key: 'sms.account.closure',
      authorization_text_variables: { iban: 'DE\uDC00' },
    });
    expect(reauthorize.success).toBe(false);
  });

  it('gives two different ill-formed names no chance to share a digest: neither is accepted', () => {
    // Before the rule both hashed as U+FFFD; the distinct lone surrogates are now both refused.
    expect(withName('A\uD800').success).toBe(false);
    expect(withName('A\uD801').success).toBe(false);
  });
});

describe('fullwidth characters and space runs are normalized, and the digest is over the normalized name', () => {
  it('folds fullwidth letters, U+3000 and runs of spaces', () => {
    expect(normalizeShown('Ｍüller\u3000\u3000Ｂäckerei   GmbH\u00a0')).toBe('Müller Bäckerei GmbH');
    const parsed = withName('Ｍüller\u3000\u3000\u3000Ｂäckerei GmbH');
    expect(parsed.success && parsed.data.payee.name).toBe('Müller Bäckerei GmbH');
  });

  it('gives the fullwidth spelling and the plain one the same stored name, so the same digest', () => {
    const a = withName('Ｍüller  Bäckerei');
    const b = withName('Müller Bäckerei');
    if (!a.success || !b.success) throw new Error('both must parse');
    const id = `${'ab'.repeat(16)}pauth`;
    expect(termsDigest(id, a.data)).toBe(termsDigest(id, b.data));
  });
});

describe('a payee name shows no other account number', () => {
  it.each([
    'Müller Bäckerei GmbH (DE89 3704 0044 0532 0130 00)',
    'Müller GB33BUKB20201555555555',
    'Müller ＤＥ８９ ３７０４ ００４４ ０５３２ ０１３０ ００', // fullwidth, folded by NFKC first
    'Konto 123456',
    'Sort code 20-00-00 acc',
    'Konto ٠١٢٣٤٥٦٧', // Arabic-Indic digits
    'Pay MT84 MALT 0110 0001 2345 MTLC AST0 01S',
  ])('refuses %s', (name) => {
    expect(issuesOf(withName(name)).some((issue) => issue.includes('account number or IBAN'))).toBe(true);
  });

  it.each([
    '7-Eleven',
    '1&1 Telecom GmbH',
    'Bäckerei 24/7',
    '80331 München GmbH',
    'AB12 Holdings',
  ])('accepts %s', (name) => {
    expect(showsAccountNumber(normalizeShown(name))).toBe(false);
    expect(withName(name).success).toBe(true);
  });
});

describe('minor units come from ISO 4217, not ICU', () => {
  it('differs from ICU’s display digits for exactly the 16 known currencies', () => {
    const icu = (code: string) =>
      new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions()
        .maximumFractionDigits;
    const differing = ISO_CURRENCIES.filter((code) => icu(code) !== isoMinorUnits(code)).sort();
    expect(differing).toEqual('AFN ALL COP HUF IDR IQD IRR KPW LAK LBP MGA MMK PKR SOS SYP YER'.split(' '));
  });

  it('reads 150000 HUF as HUF 1,500.00, 1500 IQD as 1.500, 15000 CLF as 1.5000', () => {
    expect(minorDigits('HUF')).toBe(2);
    expect(formatAmount({ value: 150000, currency: 'HUF' }, 'en')).toBe('HUF 1,500.00');
    expect(formatAmount({ value: 1500, currency: 'IQD' }, 'en')).toBe('IQD 1.500');
    expect(formatAmount({ value: 15000, currency: 'CLF' }, 'en')).toBe('CLF 1.5000');
  });

  it('refuses codes without minor units (metals, test codes) and ones that are not currencies', () => {
    for (const currency of ['XAU', 'XTS', 'XXX', 'XDR', 'ABC']) {
      expect(issuesOf(parse({ amount: { value: 100, currency } }))).toEqual([
        'amount.currency: is not an active ISO 4217 currency',
      ]);
    }
  });
});

describe('amounts are formatted exactly, under a documented upper bound', () => {
  it('writes every digit by string arithmetic', () => {
    expect(decimalOf(9007199254740991, 2)).toBe('90071992547409.91');
    expect(decimalOf(5, 3)).toBe('0.005');
    expect(decimalOf(42, 0)).toBe('42');
    expect(formatAmount({ value: MAX_AMOUNT_MINOR, currency: 'EUR' }, 'en')).toBe('€9,999,999,999,999.99');
    expect(formatAmount({ value: 999_999_999_999_991, currency: 'EUR' }, 'de')).toBe(
      '9.999.999.999.999,91 €',
    );
  });

  it('refuses an amount above the bound with 400, accepts the bound itself', () => {
    expect(parse({ amount: { value: MAX_AMOUNT_MINOR, currency: 'EUR' } }).success).toBe(true);
    expect(issuesOf(parse({ amount: { value: MAX_AMOUNT_MINOR + 1, currency: 'EUR' } }))).toEqual([
      `amount.value: must be at most ${MAX_AMOUNT_MINOR} minor units`,
    ]);
    expect(parse({ amount: { value: 9007199254740991, currency: 'EUR' } }).success).toBe(false);
  });
});

describe('the real IBAN survives a lock-screen preview', () => {
  const longestIban = 'LC55HEMM000100010012001200023015'.padEnd(34, '0'); // the 34-character maximum
  const worstAmount = (language: (typeof LANGUAGES)[number]) =>
    ISO_CURRENCIES.map((currency) => formatAmount({ value: MAX_AMOUNT_MINOR, currency }, language)).reduce(
      (a, b) => (b.length > a.length ? b : a),
    );

  it.each(
    LANGUAGES,
  )('ends the IBAN within %s’s preview at the widest name and the longest amount', (language) => {
    const name = 'W'.repeat(PAYEE_NAME_MAX_WIDTH);
    const payee = formatPayee({ name, iban: longestIban });
    const text = renderSms('sms.payment.authorize', language, {
      amount: worstAmount(language),
      payee,
      tan: '123456',
    });
    const grouped = longestIban.replace(/(.{4})(?=.)/g, '$1 ');
    const ibanEnd = text.indexOf(grouped) + grouped.length;
    expect(text.indexOf(grouped)).toBeGreaterThan(0);
    expect(ibanEnd).toBeLessThanOrEqual(PREVIEW_CHARS);
  });

  it('refuses a name wider than the limit, counting wide characters twice', () => {
    expect(withName('W'.repeat(PAYEE_NAME_MAX_WIDTH)).success).toBe(true);
    expect(issuesOf(withName('W'.repeat(PAYEE_NAME_MAX_WIDTH + 1)))[0]).toMatch(
      /^payee.name: must be at most 40/,
    );
    expect(shownWidth('株式会社')).toBe(8);
    expect(withName('株'.repeat(PAYEE_NAME_MAX_WIDTH / 2)).success).toBe(true);
    expect(withName('株'.repeat(PAYEE_NAME_MAX_WIDTH / 2 + 1)).success).toBe(false);
  });
});
