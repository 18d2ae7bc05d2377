import type { BudgetCharge, CheckState, CommitOutcome, PendingCode } from '../codes/one-time-code.ts';
import type { DeviceRecord, KeyRecord } from '../devices/device-records.ts';
import type { DomainEvent } from '../events/event.ts';
import type { PasskeyCredentialRecord, PasskeyFacts, PasskeyRegistrationRecord } from './model.ts';
import type { verifyAssertion } from './webauthn.ts';

/**
 * What an enrollment's OTP check reads: the registration, its code, the person's code-check budget and verified number.
 */
export interface RegistrationCheck extends CheckState {
  registration: PasskeyRegistrationRecord | undefined;
  code: PendingCode | undefined;
}

export type CompleteOutcome = 'ok' | 'used' | 'credential_taken' | 'too_many_devices' | 'device_gone';

/** The passkey store: enrollments, credentials and their counters. */
/** An enrollment's OTP answer as committed (see `Passkeys.commitOtp`). */
export interface OtpCommit {
  registration: PasskeyRegistrationRecord;
  answer: 'right' | 'wrong';
  charge: BudgetCharge;
  maxAttempts: number;
  webauthnChallenge: string;
  /** The verified number record the OTP went to, which must still be the person's for the OTP to confirm. */
  verifiedNumber: string;
  now: Date;
}

export interface Passkeys {
  /** Stores the pending device and the enrollment together (fresh ids). */
  openRegistration(device: DeviceRecord, registration: PasskeyRegistrationRecord): Promise<void>;
  getRegistration(id: string): Promise<PasskeyRegistrationRecord | undefined>;
  loadOtpCheck(id: string, personId: string): Promise<RegistrationCheck>;
  /**
   * Commits an OTP check with its budget unit: a wrong one charges an attempt; the right one marks the OTP confirmed
   * and stores the WebAuthn challenge, while the enrollment still awaits its OTP.
   */
  commitOtp(check: OtpCommit): Promise<CommitOutcome>;
  /**
   * In one transaction: consume the enrollment, activate the device with the passkey's facts, store its key and the
   * credential (whose id no person may hold yet), count the device against the limit, write DEVICE_BOUND.
   */
  completeRegistration(input: {
    registration: PasskeyRegistrationRecord;
    key: KeyRecord;
    credential: PasskeyCredentialRecord;
    facts: PasskeyFacts;
    event: DomainEvent;
    now: Date;
  }): Promise<CompleteOutcome>;
  getCredential(credentialId: string): Promise<PasskeyCredentialRecord | undefined>;
  /** Moves the sign counter forward to `counter`; false when it is not above the stored one any more. */
  advanceCounter(credential: PasskeyCredentialRecord, counter: number, now: Date): Promise<boolean>;
  /** Writes an event on its own (a refused assertion changes nothing else). */
  recordEvent(event: DomainEvent, now: Date): Promise<void>;
}

/**
 * Verifies WebAuthn assertions (shared/passkeys/webauthn.ts). A port of its own so that only the functions that
 * verify passkeys deploy @simplewebauthn/server, and load it on their first assertion, not at cold start.
 */
export interface AssertionVerifier {
  verify: typeof verifyAssertion;
}
