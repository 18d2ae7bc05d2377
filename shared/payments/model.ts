import type { PaymentTerms } from './canonical.ts';

/** A payment authorization as the use cases see it: the terms, the second factor awaited, the outcome. */
export type PaymentAuthorizationStatus = 'CONFIRMATION_REQUIRED' | 'COMPLETED' | 'FAILED' | 'EXPIRED';
export type PaymentMethod = 'sms' | 'device_signing';

export interface PaymentAuthorizationRecord extends PaymentTerms {
  id: string;
  personId: string;
  method: PaymentMethod;
  description?: string | undefined;
  /** SHA-256 (hex) of the canonical terms (shared/payments/canonical.ts). */
  digest: string;
  status: PaymentAuthorizationStatus;
  createdAt: string;
  updatedAt: string;
  expiresAtMs: number;
  /** Wrong TANs or signatures so far. */
  attempts: number;
  /** SMS: the id the TAN's HMAC was made with (with the digest) and the HMAC; never the TAN. */
  otpId?: string;
  otpHash?: string;
  /** SMS: the verified mobile number record the TAN was sent to. */
  otpSentTo?: string | undefined;
  /** Device signing: the device and key that must sign, and the key's public point (hex) at issue time. */
  deviceId?: string;
  keyId?: string;
  keyPurpose?: 'unrestricted' | 'restricted';
  publicKey?: string;
  /** The signed SCA receipt, once completed. */
  receipt?: string;
  failureReason?: 'attempts_exhausted' | 'expired';
}
