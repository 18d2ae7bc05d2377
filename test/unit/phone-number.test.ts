import { describe, expect, it } from 'vitest';
import { normalizeMobileNumber, SANDBOX_NUMBER } from '../../shared/mobile-number/phone-number.ts';

const on = { sandboxEnabled: true };
const off = { sandboxEnabled: false };

describe('normalizeMobileNumber', () => {
  it.each([
    ['+49 151 2345 6789', '+4915123456789'],
    ['+49-151-2345-6789', '+4915123456789'],
    ['+49_151_2345_6789', '+4915123456789'],
    ['+49/151/23456789', '+4915123456789'],
    ['+49 30 1234567', '+49301234567'],
    ['+33 6 12 34 56 78', '+33612345678'],
  ])('sanitizes %s to %s', (input, expected) => {
    expect(normalizeMobileNumber(input, off)).toEqual({ ok: true, number: expected });
  });

  it.each([
    ['4915123456789', 'no plus sign'],
    ['+49 (151) 23456789', 'parentheses are not stripped'],
    ['+4915123', 'too short for Germany'],
    ['+999123456789', 'no such country code'],
    ['+49151234567890123', 'too long'],
    ['+49151abc6789', 'letters'],
    ['', 'empty'],
    ['++4915123456789', 'double plus'],
  ])('refuses %s (%s)', (input) => {
    expect(normalizeMobileNumber(input, off).ok).toBe(false);
  });

  it.each([
    ['+448712345678', 'premium-rate'],
    ['+4980012345678', 'toll-free'],
  ])('refuses the %s %s number (SMS pumping target)', (input, kind) => {
    expect(normalizeMobileNumber(input, off)).toEqual({ ok: false, reason: `is a ${kind} number` });
  });

  it('accepts the sandbox number only through the allow-list', () => {
    expect(normalizeMobileNumber('+1 555 0101', on)).toEqual({ ok: true, number: SANDBOX_NUMBER });
    expect(normalizeMobileNumber(SANDBOX_NUMBER, off).ok).toBe(false);
    expect(normalizeMobileNumber('+15550102', on).ok).toBe(false);
  });
});
