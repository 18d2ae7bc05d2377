import { describe, expect, it } from 'vitest';
import { generateOtp, hashOtp, otpMatches } from '../../shared/otp/otp.ts';

const pepper = Buffer.from('unit-test-pepper-unit-test-pepper-0000');

describe('OTP', () => {
  it('is six digits and uses every digit in every position', () => {
    const seen = Array.from({ length: 6 }, () => new Set<string>());
    for (let i = 0; i < 5000; i++) {
      const code = generateOtp();
      expect(code).toMatch(/^\d{6}$/);
      for (const [position, digit] of [...code].entries()) seen[position]!.add(digit);
    }
    for (const digits of seen) expect(digits.size).toBe(10);
  });

  it('stores only an HMAC that depends on the pepper and the OTP record', () => {
    const hash = hashOtp(pepper, 'otp-1', '123456');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain('123456');
    expect(hashOtp(pepper, 'otp-2', '123456')).not.toBe(hash);
    expect(hashOtp(Buffer.from('another-pepper-another-pepper-000000'), 'otp-1', '123456')).not.toBe(hash);
  });

  it('matches the right code only', () => {
    const hash = hashOtp(pepper, 'otp-1', '042042');
    expect(otpMatches(pepper, 'otp-1', '042042', hash)).toBe(true);
    expect(otpMatches(pepper, 'otp-1', '042043', hash)).toBe(false);
    expect(otpMatches(pepper, 'otp-2', '042042', hash)).toBe(false);
    expect(otpMatches(pepper, 'otp-1', '042042', 'abcd')).toBe(false);
  });
});
