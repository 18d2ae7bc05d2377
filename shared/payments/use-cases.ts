import { randomBytes } from 'node:crypto';
import { checkCode } from '../codes/one-time-code.ts';
import type { Uses } from '../deps.ts';
import { deviceNotFound, isoSeconds, signatureFrom, signedBy } from '../devices/challenge-common.ts';
import { conflict, DomainError, forbidden, invalidTan, notFound, unprocessable } from '../errors.ts';
import { buildEvent, type DomainEvent } from '../events/event.ts';
import {
  PaymentAuthorizationConfirmed,
  PaymentAuthorizationCreated,
  PaymentAuthorizationFailed,
} from '../events/payment-events.ts';
import { metrics } from '../metrics.ts';
import type { PublicJwk } from '../receipts/receipt-signer.ts';
import { coolingOffApplies, refuseIfCoolingOff, type SendCodeDeps, sendCode } from '../sca/send-code.ts';
import { canonicalTerms, formatAmount, formatPayee, type PaymentTerms, termsDigest } from './canonical.ts';
import type { PaymentAuthorizationRecord, PaymentMethod } from './dynamo-payment-authorization-store.ts';

/**
 * Payment authorization with dynamic linking (PSD2 RTS Article 5): the person sees the amount and the payee, and
 * the answer (an SMS TAN or a device signature) is bound to exactly those values. A completed authorization carries
 * a signed SCA receipt (compact JWS, ES256) the bank can keep as proof.
 */

/** Wrong TANs or signatures an authorization survives: the third wrong one fails it for good. */
export const MAX_PAYMENT_ATTEMPTS = 3;
/** An authorization must be confirmed within 5 minutes of its creation. */
export const PAYMENT_AUTHORIZATION_TTL_SECONDS = 300;

type ReadDeps = Uses<'clock' | 'paymentAuthorizations'>;
export type CreateDeps = ReadDeps &
  SendCodeDeps &
  Uses<'devices', 'coolingOffPaymentThreshold' | 'coolingOffPaymentCurrency'>;
export type ConfirmDeps = ReadDeps & Uses<'pepper' | 'receipts', 'codeChecksPerDay'>;
export type KeysDeps = Uses<'receipts'>;

export interface PaymentAuthorizationView {
  id: string;
  person_id: string;
  status: PaymentAuthorizationRecord['status'];
  method: PaymentMethod;
  amount: PaymentTerms['amount'];
  payee: PaymentTerms['payee'];
  description?: string;
  digest: string;
  created_at: string;
  updated_at: string;
  expires_at: string;
  device_id?: string;
  string_to_sign?: string;
  receipt?: string;
  failure_reason?: string;
}

const newId = () => `${randomBytes(16).toString('hex')}pauth`;

/** The TAN's HMAC is made over the OTP id and the terms' digest: other terms, other HMAC, a wrong TAN. */
const tanBinding = (otpId: string, digest: string) => `${otpId}:${digest}`;

export function viewOf(record: PaymentAuthorizationRecord): PaymentAuthorizationView {
  return {
    id: record.id,
    person_id: record.personId,
    status: record.status,
    method: record.method,
    amount: record.amount,
    payee: record.payee,
    ...(record.description !== undefined ? { description: record.description } : {}),
    digest: record.digest,
    created_at: isoSeconds(record.createdAt),
    updated_at: isoSeconds(record.updatedAt),
    expires_at: isoSeconds(new Date(record.expiresAtMs)),
    ...(record.method === 'device_signing'
      ? { device_id: record.deviceId!, string_to_sign: canonicalTerms(record.id, record) }
      : {}),
    ...(record.receipt !== undefined ? { receipt: record.receipt } : {}),
    ...(record.failureReason !== undefined ? { failure_reason: record.failureReason } : {}),
  };
}

const missing = () => notFound('No payment authorization with this id.');
const expired = () =>
  unprocessable(
    'payment_authorization_expired',
    'Payment Authorization Expired',
    'The payment authorization is older than 5 minutes; open a new one.',
  );
const closed = (status: string) =>
  conflict(
    'payment_authorization_closed',
    'Payment Authorization Closed',
    `The payment authorization is ${status} and cannot be confirmed.`,
  );
const methodMismatch = (method: PaymentMethod) =>
  unprocessable(
    'authorization_method_mismatch',
    'Authorization Method Mismatch',
    `The payment authorization was opened for ${method}; confirm it that way.`,
  );

const termsOf = (record: PaymentAuthorizationRecord) => ({
  authorization_id: record.id,
  person_id: record.personId,
  method: record.method,
  amount: record.amount,
  payee: record.payee,
  digest: record.digest,
});

function failedEvent(
  record: PaymentAuthorizationRecord,
  reason: 'attempts_exhausted' | 'expired',
  now: Date,
) {
  return buildEvent(PaymentAuthorizationFailed, { ...termsOf(record), reason }, now);
}

/** What an open authorization past its time, or out of attempts, has become (none while it is still open). */
function lapsed(record: PaymentAuthorizationRecord, now: Date): 'EXPIRED' | 'FAILED' | undefined {
  if (record.status !== 'CONFIRMATION_REQUIRED') return undefined;
  if (now.getTime() >= record.expiresAtMs) return 'EXPIRED';
  if (record.attempts >= MAX_PAYMENT_ATTEMPTS) return 'FAILED';
  return undefined;
}

/** Closes a lapsed authorization (with its FAILED event) so every reader sees the same state; answers it. */
async function settled(
  rt: ReadDeps,
  record: PaymentAuthorizationRecord,
): Promise<PaymentAuthorizationRecord> {
  const now = rt.clock.now();
  const lapse = lapsed(record, now);
  if (!lapse) return record;
  const reason = lapse === 'EXPIRED' ? 'expired' : 'attempts_exhausted';
  await rt.paymentAuthorizations.close(record, lapse, reason, failedEvent(record, reason, now), now);
  metrics.paymentAuthorization(lapse === 'EXPIRED' ? 'expired' : 'failed');
  return (await rt.paymentAuthorizations.get(record.id)) ?? record;
}

/** The authorization, which must exist and still await confirmation (404, 422 expired, 409 closed). */
async function stillOpen(rt: ReadDeps, id: string): Promise<PaymentAuthorizationRecord> {
  const found = await rt.paymentAuthorizations.get(id);
  if (!found) throw missing();
  const record = await settled(rt, found);
  if (record.status === 'EXPIRED') throw expired();
  if (record.status !== 'CONFIRMATION_REQUIRED') throw closed(record.status);
  return record;
}

/** The authorization, if it is `personId`'s when one is named (another person's answers 404 like an unknown id). */
export async function getPaymentAuthorization(
  rt: ReadDeps,
  id: string,
  personId?: string,
): Promise<PaymentAuthorizationView> {
  const found = await rt.paymentAuthorizations.get(id);
  if (!found || (personId !== undefined && found.personId !== personId)) throw missing();
  return viewOf(await settled(rt, found));
}

export interface CreateInput extends PaymentTerms {
  personId: string;
  description?: string | undefined;
  method:
    | { kind: 'sms' }
    | { kind: 'device_signing'; deviceId: string; keyPurpose?: 'unrestricted' | 'restricted' };
}

/**
 * Open a payment authorization.
 * 1. Compute the canonical terms (amount, currency, payee, the new id) and their SHA-256 digest.
 * 2. By SMS: the person needs a verified number (422). Issue a TAN whose HMAC covers the digest, store the
 *    authorization with its CREATED event, and send the payment text in the person's language showing the amount
 *    (in the language's format) and the payee; the SMS counts against the number's and the person's SMS limits.
 * 3. By device: the device must be the person's own and active with a key of the purpose (404). The canonical terms
 *    are the `string_to_sign`; the authorization is stored with the key to verify against, in a transaction that
 *    checks the device is still active with that key.
 * Either way, during a SIM-swap cooling-off window a payment at or above the configured threshold (default 0: every
 * payment) is refused with 403 `cooling_off_period`, naming when the window ends.
 * The authorization lives 5 minutes and survives two wrong answers.
 */
export async function createPaymentAuthorization(
  rt: CreateDeps,
  input: CreateInput,
): Promise<PaymentAuthorizationView> {
  const id = newId();
  const terms: PaymentTerms = { amount: input.amount, payee: input.payee };
  const digest = termsDigest(id, terms);
  const now = rt.clock.now();
  const base: PaymentAuthorizationRecord = {
    id,
    personId: input.personId,
    method: input.method.kind,
    ...terms,
    ...(input.description !== undefined ? { description: input.description } : {}),
    digest,
    status: 'CONFIRMATION_REQUIRED',
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    expiresAtMs: now.getTime() + PAYMENT_AUTHORIZATION_TTL_SECONDS * 1000,
    attempts: 0,
  };
  const created = (record: PaymentAuthorizationRecord) =>
    buildEvent(
      PaymentAuthorizationCreated,
      {
        ...termsOf(record),
        ...(record.deviceId !== undefined ? { device_id: record.deviceId } : {}),
        expires_at: new Date(record.expiresAtMs).toISOString(),
      },
      now,
    );

  const belowThreshold =
    terms.amount.currency === rt.config.coolingOffPaymentCurrency &&
    terms.amount.value < rt.config.coolingOffPaymentThreshold;
  const what = 'Authorizing a payment';
  if (input.method.kind === 'device_signing') {
    const method = input.method;
    const keyPurpose = method.keyPurpose ?? 'unrestricted';
    const device = await rt.devices.getDevice(method.deviceId);
    if (device?.status !== 'active' || device.personId !== input.personId) throw deviceNotFound();
    const keyId = device.activeKeys[keyPurpose];
    const key = keyId ? await rt.devices.getKey(device.id, keyId) : undefined;
    if (!keyId || !key) throw deviceNotFound();
    const record: PaymentAuthorizationRecord = {
      ...base,
      deviceId: device.id,
      keyId,
      keyPurpose,
      publicKey: key.publicKey,
    };
    // The window is checked in the create's own transaction (no read first); it is read only to word a refusal.
    const stored = await rt.paymentAuthorizations.create(record, created(record), now, {
      outsideCoolingOff: coolingOffApplies('device_payment', belowThreshold),
    });
    if (stored === 'cooling_off') {
      const { coolingOff } = await rt.recipients.recipient(input.personId);
      refuseIfCoolingOff('device_payment', coolingOff, now, what, belowThreshold);
    }
    if (stored !== true) throw deviceNotFound();
    metrics.paymentAuthorization('created');
    return viewOf(record);
  }

  let record = base;
  await sendCode(rt, {
    kind: 'payment_authorization',
    personId: input.personId,
    boundTo: id,
    templateKey: 'sms.payment.authorize',
    variables: ({ language }) => ({
      amount: formatAmount(terms.amount, language),
      payee: formatPayee(terms.payee),
    }),
    what,
    belowCoolingOffThreshold: belowThreshold,
    noVerifiedNumber: () =>
      unprocessable(
        'mobile_number_not_verified',
        'Mobile Number Not Verified',
        'The person has no verified number to send the TAN to.',
      ),
    hashedAs: (otpId) => tanBinding(otpId, digest),
    store: async (tan, otpId, to) => {
      record = { ...base, otpId, otpHash: tan.secret, otpSentTo: to.id };
      await rt.paymentAuthorizations.create(record, created(record), now);
    },
  });
  metrics.paymentAuthorization('created');
  return viewOf(record);
}

/** The SCA receipt's claims (compact JWS, ES256; docs/walkthroughs/7-payment-authorization.md lists them). */
function receiptClaims(record: PaymentAuthorizationRecord, now: Date): Record<string, unknown> {
  return {
    jti: record.id,
    iat: Math.floor(now.getTime() / 1000),
    person_id: record.personId,
    method: record.method,
    ...(record.method === 'device_signing' ? { device_id: record.deviceId, key_id: record.keyId } : {}),
    amount: record.amount.value,
    currency: record.amount.currency,
    payee: record.payee,
    digest: record.digest,
  };
}

function confirmedEvent(record: PaymentAuthorizationRecord, receipt: string, now: Date): DomainEvent {
  return buildEvent(
    PaymentAuthorizationConfirmed,
    {
      ...termsOf(record),
      ...(record.method === 'device_signing' ? { device_id: record.deviceId!, key_id: record.keyId! } : {}),
      receipt,
    },
    now,
  );
}

const completedView = (record: PaymentAuthorizationRecord, receipt: string, now: Date) =>
  viewOf({ ...record, status: 'COMPLETED', updatedAt: now.toISOString(), receipt });

/** What a refused confirmation answers once the authorization is read again: closed, expired, or a wrong answer. */
async function refusalNow(rt: ReadDeps, id: string, wrong: () => DomainError): Promise<DomainError> {
  try {
    await stillOpen(rt, id);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  return wrong();
}

/**
 * Confirm by SMS TAN, under the one-time-code module's charging rule:
 * 1. Read the authorization; it must be open, unexpired and opened for SMS (404, 422, 409).
 * 2. Read it again with the person's code-check budget (429 when the day is spent), and compute the digest of the
 *    terms the confirmation names.
 * 3. Compare the TAN's HMAC under that digest in constant time: other terms than the ones sent make it wrong.
 * 4. Wrong: charge one attempt and one budget unit in one transaction (the third fails the authorization with its
 *    FAILED event), then answer 403.
 * 5. Right: sign the receipt, then complete the authorization with it, the budget unit and the CONFIRMED event in
 *    one transaction, while it still awaits this TAN. Of concurrent right answers exactly one commits; the others
 *    are charged nothing and answer 409 (completed).
 */
async function confirmWithTan(
  rt: ConfirmDeps,
  id: string,
  given: PaymentTerms & { tan: string },
): Promise<PaymentAuthorizationView> {
  const first = await stillOpen(rt, id);
  if (first.method !== 'sms') throw methodMismatch(first.method);
  const givenDigest = termsDigest(id, { amount: given.amount, payee: given.payee });
  let receipt: string | undefined;
  let signedAt: Date | undefined;
  const result = await checkCode(
    'payment_authorization',
    {
      load: async () => {
        const loaded = await rt.paymentAuthorizations.loadTanCheck(id, first.personId);
        const code = loaded.code && { ...loaded.code, id: tanBinding(loaded.code.id, givenDigest) };
        return { ...loaded, code };
      },
      commit: async (loaded, answer, charge) => {
        const authorization = loaded.authorization!;
        const now = rt.clock.now();
        if (answer === 'right') {
          signedAt = now;
          receipt = await rt.receipts.sign(receiptClaims(authorization, now));
        }
        const last = answer === 'wrong' && authorization.attempts + 1 >= MAX_PAYMENT_ATTEMPTS;
        return rt.paymentAuthorizations.commitTan({
          authorization,
          answer,
          charge: charge!,
          maxAttempts: MAX_PAYMENT_ATTEMPTS,
          ...(receipt ? { completion: { receipt, event: confirmedEvent(authorization, receipt, now) } } : {}),
          ...(last ? { failure: failedEvent(authorization, 'attempts_exhausted', now) } : {}),
          verifiedNumber: loaded.verifiedNumber!,
          now,
        });
      },
    },
    { given: given.tan, now: () => rt.clock.now(), pepper: rt.pepper },
    { maxAttempts: MAX_PAYMENT_ATTEMPTS, checksPerDay: rt.config.codeChecksPerDay },
  );
  switch (result.verdict) {
    case 'right':
      metrics.paymentAuthorization('completed');
      return completedView(result.loaded.authorization!, receipt!, signedAt!);
    case 'wrong':
      metrics.paymentAuthorization(result.attempts >= MAX_PAYMENT_ATTEMPTS ? 'failed' : 'wrong');
      throw invalidTan();
    default:
      // No usable TAN any more, or a concurrent confirmation changed it first: answer what it is now.
      throw await refusalNow(rt, id, invalidTan);
  }
}

const wrongSignature = () =>
  forbidden('invalid_signature', 'Invalid Signature', 'The signature does not verify over string_to_sign.');

/**
 * Confirm by device signature:
 * 1. The signature must be hex of a DER ECDSA signature (400, nothing charged).
 * 2. The authorization must be open, unexpired, opened for device signing, and for this device if one is named
 *    (404, 422, 409).
 * 3. Verify ECDSA P-256 / SHA-256 over the canonical terms (`string_to_sign`) with the key it was opened for.
 * 4. Wrong: charge one attempt (the third fails it, with its FAILED event), then answer 403.
 * 5. Right: sign the receipt; complete the authorization with it and the CONFIRMED event, mark the key used and check
 *    the device is still active with it, in one transaction. Of concurrent right answers exactly one commits.
 * A device signature is not a guessable code, so it spends none of the person's daily code-check budget (as on the
 * device challenge routes).
 */
async function confirmWithSignature(
  rt: ConfirmDeps,
  id: string,
  given: { signature: string; deviceId?: string | undefined },
): Promise<PaymentAuthorizationView> {
  const signature = signatureFrom(given.signature, 'signature');
  const record = await stillOpen(rt, id);
  if (record.method !== 'device_signing') throw methodMismatch(record.method);
  if (given.deviceId !== undefined && given.deviceId !== record.deviceId) throw deviceNotFound();
  const right = signedBy(record.publicKey!, canonicalTerms(record.id, record), signature);
  metrics.signature(right);
  const now = rt.clock.now();
  const receipt = right ? await rt.receipts.sign(receiptClaims(record, now)) : undefined;
  const last = !right && record.attempts + 1 >= MAX_PAYMENT_ATTEMPTS;
  const outcome = await rt.paymentAuthorizations.commitSignature({
    authorization: record,
    answer: right ? 'right' : 'wrong',
    maxAttempts: MAX_PAYMENT_ATTEMPTS,
    ...(receipt ? { completion: { receipt, event: confirmedEvent(record, receipt, now) } } : {}),
    ...(last ? { failure: failedEvent(record, 'attempts_exhausted', now) } : {}),
    now,
  });
  if (outcome === 'device_gone') throw deviceNotFound();
  if (outcome === 'changed') throw await refusalNow(rt, id, wrongSignature);
  if (!right) {
    metrics.paymentAuthorization(last ? 'failed' : 'wrong');
    throw wrongSignature();
  }
  metrics.paymentAuthorization('completed');
  return completedView(record, receipt!, now);
}

export type ConfirmInput =
  | (PaymentTerms & { tan: string })
  | { signature: string; deviceId?: string | undefined };

/** Confirm a payment authorization by the method it was opened for. */
export function confirmPaymentAuthorization(
  rt: ConfirmDeps,
  id: string,
  input: ConfirmInput,
): Promise<PaymentAuthorizationView> {
  return 'tan' in input ? confirmWithTan(rt, id, input) : confirmWithSignature(rt, id, input);
}

/** The key set that verifies SCA receipts (`{keys: [...]}`, RFC 7517). */
export async function receiptKeys(rt: KeysDeps): Promise<{ keys: PublicJwk[] }> {
  return { keys: await rt.receipts.publicKeys() };
}
