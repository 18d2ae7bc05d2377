import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { PasskeySettings } from '../config.ts';
import type { Uses } from '../deps.ts';
import { signatureFrom, signedBy } from '../devices/challenge-common.ts';
import { conflict } from '../errors.ts';
import { buildEvent } from '../events/event.ts';
import { PasskeyCounterRegressed } from '../events/passkey-events.ts';
import type { PaymentTerms } from '../payments/canonical.ts';
import { credentialIdOf } from './model.ts';

/**
 * A device's answer to a challenge: an ECDSA P-256 signature (hex DER) by an app key, or a WebAuthn assertion by a
 * bound passkey. Every place that accepts a device signature checks it here, so both kinds obey the same rules.
 */
export type DeviceProof = { signature: string } | { webauthn: AuthenticationResponseJSON };

/** The proof a confirm body carries: its `signature`, or its `webauthn` assertion. */
export const deviceProofOf = (
  body: { signature: string; webauthn?: undefined } | { webauthn: unknown; signature?: undefined },
): DeviceProof =>
  body.webauthn !== undefined
    ? { webauthn: body.webauthn as AuthenticationResponseJSON }
    : { signature: body.signature! };

export type ParsedProof =
  | { kind: 'signature'; signature: Buffer }
  | { kind: 'webauthn'; assertion: AuthenticationResponseJSON };

/** The proof from a request body; a malformed signature is a 400 naming the field, before anything is charged. */
export function proofFrom(input: DeviceProof, field = 'signature'): ParsedProof {
  return 'webauthn' in input
    ? { kind: 'webauthn', assertion: input.webauthn }
    : { kind: 'signature', signature: signatureFrom(input.signature, field) };
}

export type ProofDeps = Uses<'clock' | 'passkeys' | 'assertions', 'passkeys'>;

/** How a proof verified: by which method, and for a passkey which credential, and whether through SPC. */
export type ProofVerdict =
  | { valid: false }
  | { valid: true; method: 'signature' }
  | { valid: true; method: 'passkey'; credentialId: string; spc: boolean };

export const passkeysOff = () =>
  conflict(
    'passkeys_not_configured',
    'Passkeys Not Configured',
    'This deployment has no passkey relying party.',
  );

/**
 * Checks a proof over `message` for the key a challenge was issued for (`publicKey`, copied into the challenge):
 * 1. A signature must verify under an ECDSA key; a passkey's key never verifies one.
 * 2. An assertion must come from the credential that key names (so not another device's or person's), verify over
 *    `message`'s challenge with user verification, origin and RP ID (and, for SPC, name the payment's terms).
 * 3. Its sign counter must move forward: a counter at or below the stored one (unless both are 0) is refused, and
 *    PASSKEY_COUNTER_REGRESSED is written. The counter is advanced by a conditional write, so of two assertions with
 *    the same counter only one passes.
 */
export async function checkProof(
  rt: ProofDeps,
  claim: { publicKey: string; message: string; deviceId: string; payment?: PaymentTerms | undefined },
  proof: ParsedProof,
): Promise<ProofVerdict> {
  const credentialId = credentialIdOf(claim.publicKey);
  if (proof.kind === 'signature') {
    return credentialId === undefined && signedBy(claim.publicKey, claim.message, proof.signature)
      ? { valid: true, method: 'signature' }
      : { valid: false };
  }
  const settings: PasskeySettings | undefined = rt.config.passkeys;
  if (!settings) throw passkeysOff();
  if (credentialId === undefined || proof.assertion.id !== credentialId) return { valid: false };
  const credential = await rt.passkeys.getCredential(credentialId);
  if (!credential || credential.deviceId !== claim.deviceId) return { valid: false };
  const checked = await rt.assertions.verify(settings, {
    response: proof.assertion,
    credential: { id: credential.credentialId, publicKey: credential.publicKey },
    message: claim.message,
    payment: claim.payment,
  });
  if (!checked.ok) return { valid: false };
  const now = rt.clock.now();
  const forward = checked.counter > credential.counter || (checked.counter === 0 && credential.counter === 0);
  if (!forward || !(await rt.passkeys.advanceCounter(credential, checked.counter, now))) {
    const event = buildEvent(
      PasskeyCounterRegressed,
      {
        device_id: credential.deviceId,
        person_id: credential.personId,
        credential_id: credential.credentialId,
        stored_counter: credential.counter,
        presented_counter: checked.counter,
      },
      now,
    );
    await rt.passkeys.recordEvent(event, now);
    return { valid: false };
  }
  return { valid: true, method: 'passkey', credentialId, spc: checked.spc };
}
