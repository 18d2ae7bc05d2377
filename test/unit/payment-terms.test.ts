import { describe, expect, it } from 'vitest';
import { readPaymentToSign } from '../../shared/devices/device-client.ts';
import {
  canonicalTerms,
  formatAmount,
  formatPayee,
  minorDigits,
  termsDigest,
} from '../../shared/payments/canonical.ts';

const id = `${'ab'.repeat(16)}pauth`;
const terms = {
  amount: { value: 123456, currency: 'EUR' },
  payee: { name: 'Zoë Café', iban: 'DE89370400440532013000' },
};

describe('canonical payment terms (v1)', () => {
  it('is the documented text, LF-separated, without a trailing newline', () => {
    expect(canonicalTerms(id, terms)).toBe(
      `PAYMENT_AUTHORIZATION v1\nauthorization_id:${id}\namount:123456\ncurrency:EUR\npayee_name:Zoë Café\npayee_iban:DE89370400440532013000`,
    );
    expect(
      canonicalTerms(id, { amount: terms.amount, payee: { name: 'Shop', account_reference: 'R-1' } })
        .split('\n')
        .at(-1),
    ).toBe('payee_account_reference:R-1');
  });

  it('has a digest that changes with every term and with the authorization id', () => {
    const digest = termsDigest(id, terms);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    const variants = [
      termsDigest(id, { ...terms, amount: { value: 123457, currency: 'EUR' } }),
      termsDigest(id, { ...terms, amount: { value: 123456, currency: 'CHF' } }),
      termsDigest(id, { ...terms, payee: { ...terms.payee, name: 'Zoe Cafe' } }),
      termsDigest(id, { ...terms, payee: { name: terms.payee.name, account_reference: terms.payee.iban } }),
      termsDigest(`${'cd'.repeat(16)}pauth`, terms),
    ];
    expect(new Set([digest, ...variants]).size).toBe(6);
  });

  it('reads back in the reference device client exactly as written', () => {
    expect(readPaymentToSign(canonicalTerms(id, terms))).toEqual({
      authorizationId: id,
      amount: terms.amount,
      payee: { name: 'Zoë Café', iban: 'DE89370400440532013000' },
    });
  });
});

describe('amount and payee as the SMS shows them', () => {
  it.each([
    ['en', '€1,234.56'],
    ['de', '1.234,56 €'],
    ['fr', '1 234,56 €'],
    ['it', '1234,56 €'],
    ['es', '1234,56 €'],
  ] as const)('writes EUR in %s as %s, with plain spaces only', (language, expected) => {
    expect(formatAmount(terms.amount, language)).toBe(expected);
  });

  it('uses the currency’s own minor units', () => {
    expect(minorDigits('JPY')).toBe(0);
    expect(minorDigits('KWD')).toBe(3);
    expect(formatAmount({ value: 1500, currency: 'JPY' }, 'en')).toBe('JP¥1,500');
    expect(formatAmount({ value: 1500, currency: 'KWD' }, 'en')).toBe('KWD 1.500');
  });

  it('groups an IBAN by four and shows a reference as given', () => {
    expect(formatPayee(terms.payee)).toBe('Zoë Café (DE89 3704 0044 0532 0130 00)');
    expect(formatPayee({ name: 'Shop', account_reference: 'ORDER-77' })).toBe('Shop (ORDER-77)');
  });
});
