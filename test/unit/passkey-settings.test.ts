import { describe, expect, it } from 'vitest';
import { passkeySection } from '../../shared/config.ts';
import { minorUnits, spcRequestOf, webauthnChallengeFor } from '../../shared/passkeys/challenge.ts';

const ANDROID = `android:apk-key-hash:${'A'.repeat(43)}`;

describe('passkey settings', () => {
  it('are off without an RP ID, and read RP ID, name and origins (web, localhost, Android app)', () => {
    expect(passkeySection({})).toBeUndefined();
    expect(
      passkeySection({
        WEBAUTHN_RP_ID: 'bank.example',
        WEBAUTHN_ORIGINS: `https://bank.example, https://app.bank.example:8443,${ANDROID}`,
      }),
    ).toEqual({
      rpId: 'bank.example',
      rpName: 'bank.example',
      origins: ['https://bank.example', 'https://app.bank.example:8443', ANDROID],
    });
  });

  it('refuse an IP address as RP ID, origins outside it, plain http elsewhere than localhost, and no origins', () => {
    expect(() =>
      passkeySection({ WEBAUTHN_RP_ID: '127.0.0.1', WEBAUTHN_ORIGINS: 'https://x.example' }),
    ).toThrow(/WEBAUTHN_RP_ID: must be a domain name/);
    expect(() =>
      passkeySection({ WEBAUTHN_RP_ID: 'bank.example', WEBAUTHN_ORIGINS: 'https://evilbank.example' }),
    ).toThrow(/not within the RP ID/);
    expect(() =>
      passkeySection({ WEBAUTHN_RP_ID: 'bank.example', WEBAUTHN_ORIGINS: 'http://bank.example' }),
    ).toThrow(/WEBAUTHN_ORIGINS: http:\/\/bank.example is not/);
    expect(() => passkeySection({ WEBAUTHN_RP_ID: 'bank.example' })).toThrow(/WEBAUTHN_ORIGINS: is required/);
  });
});

describe('SPC amounts', () => {
  it('read a decimal amount in the currency’s minor units, exactly', () => {
    expect(minorUnits('12.50', 'EUR')).toBe(1250);
    expect(minorUnits('12.5', 'EUR')).toBe(1250);
    expect(minorUnits('12.500', 'EUR')).toBe(1250);
    expect(minorUnits('12', 'EUR')).toBe(1200);
    expect(minorUnits('1250', 'JPY')).toBe(1250);
    expect(minorUnits('1.234', 'KWD')).toBe(1234);
    for (const value of ['12.501', '1.5', '-1', '1e3', ' 12.50', 12.5]) {
      expect(minorUnits(value, value === '1.5' ? 'JPY' : 'EUR')).toBeUndefined();
    }
  });

  it('are written back as SPC shows them, and the challenge is the SHA-256 of the terms', () => {
    const terms = {
      amount: { value: 1205, currency: 'EUR' },
      payee: { name: 'Shop', iban: 'DE89370400440532013000' },
    };
    expect(spcRequestOf('cred', 'terms', terms)).toEqual({
      challenge: webauthnChallengeFor('terms'),
      credential_id: 'cred',
      payee_name: 'Shop',
      total: { currency: 'EUR', value: '12.05' },
    });
    expect(spcRequestOf('c', 't', { ...terms, amount: { value: 500, currency: 'JPY' } }).total.value).toBe(
      '500',
    );
    expect(webauthnChallengeFor('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  });
});
