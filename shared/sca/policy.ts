/**
 * The policy table of every second-factor challenge the service issues and checks. A flow names its kind; this table
 * decides the rules, and the SCA core (shared/codes/one-time-code.ts, shared/sca/send-code.ts) applies them. Adding a
 * kind means adding a row here (and, for a code sent by SMS, its template); nothing else decides lifetimes, attempts,
 * budget or cooling-off.
 *
 * The rules the rows follow (docs/security.md has the numbers):
 * - A check whose answer can be guessed spends the person's daily code-check budget. A signature over an SMS code
 *   is such a check: the signer chooses the key, so signing a guessed code is typing it. A challenge signed by a key
 *   bound earlier cannot be guessed; it keeps its attempt cap and spends no budget.
 * - A pending code lives only as long as the factor it went to (`factor`): a code sent to the verified number checks
 *   only while that same number record is still the person's verified number; a device challenge only while the
 *   device is still active with the challenge's key.
 * - Cooling-off applies wherever a SIM swap would pay off (`coolingOff`).
 */
export type ChallengeKind =
  | 'mobile_number'
  | 'change_request'
  | 'phone_removal'
  | 'device_binding'
  | 'payment_authorization'
  | 'device_challenge'
  | 'device_payment';

/** Where a setting comes from: a configuration setting by name, or a fixed number. */
type Setting<K extends string> = { setting: K } | { fixed: number };

export interface ChallengePolicy {
  /** What the challenge goes to and must still be there when it is answered. */
  factor: 'number_record' | 'verified_number' | 'device_key';
  /** The record the challenge is bound to; another record never accepts it. */
  boundTo: string;
  /** Seconds a challenge lives. */
  lifetime: Setting<'otpTtlSeconds'>;
  /** Wrong answers a challenge survives before it is burnt. */
  attempts: Setting<'otpMaxAttempts'>;
  /** Whether a check spends the person's daily code-check budget (the answer is guessable). */
  spendsBudget: boolean;
  /** What the answer is dynamically linked to, beyond the record it is bound to (PSD2 RTS Article 5). */
  linkedTo: string | undefined;
  /** Whether the SIM-swap cooling-off window refuses it (`threshold`: payments below the configured amount pass). */
  coolingOff: 'refused' | 'threshold' | 'allowed';
  /**
   * How a code is kept: an HMAC, sealed (the binding OTP must be known again to check a signature over it), or not at
   * all (a random string to sign, which is no secret).
   */
  stored: 'hash' | 'sealed' | 'none';
  /** The HMAC's scope prefix; distinct per kind where codes of two kinds could meet the same person. */
  scope: string;
  /** Whether its checks count as typed-code checks (`CodeChecks`); signatures count as `Signatures` instead. */
  counted: boolean;
}

export const POLICY: Readonly<Record<ChallengeKind, ChallengePolicy>> = {
  // Verification and 2FA (authorize, reauthorize; confirm and the end-user _verify).
  mobile_number: {
    factor: 'number_record',
    boundTo: 'the mobile number record',
    lifetime: { setting: 'otpTtlSeconds' },
    attempts: { setting: 'otpMaxAttempts' },
    spendsBudget: true,
    linkedTo: 'the text it was sent with (authorization_text_key)',
    coolingOff: 'allowed',
    stored: 'hash',
    scope: '',
    counted: true,
  },
  change_request: {
    factor: 'verified_number',
    boundTo: 'the change request',
    lifetime: { setting: 'otpTtlSeconds' },
    attempts: { fixed: 3 },
    spendsBudget: true,
    linkedTo: 'the guarded action and its parameters',
    coolingOff: 'allowed',
    stored: 'hash',
    scope: '',
    counted: true,
  },
  phone_removal: {
    factor: 'number_record',
    boundTo: 'the verified mobile number record it removes',
    lifetime: { setting: 'otpTtlSeconds' },
    attempts: { setting: 'otpMaxAttempts' },
    spendsBudget: true,
    linkedTo: 'the number being removed',
    coolingOff: 'allowed',
    stored: 'hash',
    scope: 'phone-removal\0',
    counted: true,
  },
  device_binding: {
    factor: 'verified_number',
    boundTo: 'the pending device and its new key',
    lifetime: { setting: 'otpTtlSeconds' },
    attempts: { setting: 'otpMaxAttempts' },
    // The new key is the caller's own choice: a signature over a guessed code is a guess.
    spendsBudget: true,
    linkedTo: 'the new public key',
    coolingOff: 'refused',
    stored: 'sealed',
    scope: '',
    counted: false,
  },
  payment_authorization: {
    factor: 'verified_number',
    boundTo: 'the payment authorization',
    lifetime: { fixed: 300 },
    attempts: { fixed: 3 },
    spendsBudget: true,
    linkedTo: 'the digest of amount, currency and payee',
    coolingOff: 'threshold',
    stored: 'hash',
    scope: 'payment-authorization\0',
    counted: true,
  },
  device_challenge: {
    factor: 'device_key',
    boundTo: 'the device key (and the change request it confirms)',
    lifetime: { setting: 'otpTtlSeconds' },
    attempts: { setting: 'otpMaxAttempts' },
    spendsBudget: false,
    linkedTo: 'string_to_sign (random)',
    coolingOff: 'refused',
    stored: 'none',
    scope: '',
    counted: false,
  },
  device_payment: {
    factor: 'device_key',
    boundTo: 'the payment authorization and the device key',
    lifetime: { fixed: 300 },
    attempts: { fixed: 3 },
    spendsBudget: false,
    linkedTo: 'the canonical terms (string_to_sign)',
    coolingOff: 'threshold',
    stored: 'none',
    scope: '',
    counted: false,
  },
};

/** A setting of a policy row, read from the configuration where the row names one. */
export function policyValue<K extends string>(
  setting: Setting<K>,
  config: Partial<Record<K, number>>,
): number {
  if ('fixed' in setting) return setting.fixed;
  const value = config[setting.setting];
  if (value === undefined) throw new Error(`configuration setting ${setting.setting} is not composed`);
  return value;
}
