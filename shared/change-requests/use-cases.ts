import { randomUUID } from 'node:crypto';
import { signatureFrom } from '../devices/challenge-common.ts';
import { startDeviceChallenge, verifyDeviceChallenge } from '../devices/device-signing.ts';
import { conflict, DomainError, invalidTan, notFound, unprocessable } from '../http/errors.ts';
import { metrics } from '../metrics.ts';
import { isSandboxNumber, SANDBOX_OTP } from '../mobile-number/phone-number.ts';
import { generateOtp, hashOtp } from '../otp/otp.ts';
import { otpMatchesAccepted } from '../otp/pepper.ts';
import type { Runtime } from '../runtime.ts';
import type { ChangeRequestRecord } from './change-request-store.ts';
import { guardedAction } from './guarded-actions.ts';
import type { ChangeRequestView } from './request-change.ts';

/** Wrong TANs or signatures a change request survives: the third wrong one fails it for good. */
export const MAX_CONFIRM_ATTEMPTS = 3;

const OPEN = new Set(['AUTHORIZATION_REQUIRED', 'CONFIRMATION_REQUIRED']);

const missing = () => notFound('No such change request.');
const expired = () =>
  new DomainError(
    422,
    'change_request_expired',
    'Change Request Expired',
    'The change request is older than 5 minutes.',
  );
const closed = (status: string) =>
  conflict(
    'change_request_closed',
    'Change Request Closed',
    `The change request is ${status} and cannot change.`,
  );

export const viewOf = (record: ChangeRequestRecord): ChangeRequestView => ({
  id: record.id,
  status: record.status,
  updated_at: record.updatedAt,
  ...(record.responseCode !== undefined
    ? { response_code: record.responseCode, response_body: record.responseBody }
    : {}),
});

/**
 * The request, which must exist and belong to the person; an open request past its 5 minutes is closed as EXPIRED
 * first, so every reader sees the same state. A request of another person is reported as missing.
 */
async function openRequest(rt: Runtime, id: string, personId?: string): Promise<ChangeRequestRecord> {
  const record = await rt.changeRequests.get(id);
  if (!record || (personId !== undefined && record.personId !== personId)) throw missing();
  const now = rt.clock.now();
  if (OPEN.has(record.status) && now.getTime() >= record.expiresAtMs) {
    await rt.changeRequests.close(id, 'EXPIRED', now);
    throw expired();
  }
  if (record.status === 'EXPIRED') throw expired();
  if (!OPEN.has(record.status)) throw closed(record.status);
  return record;
}

export async function getChangeRequest(rt: Runtime, id: string): Promise<ChangeRequestView> {
  const record = await rt.changeRequests.get(id);
  if (!record) throw missing();
  const now = rt.clock.now();
  if (OPEN.has(record.status) && now.getTime() >= record.expiresAtMs) {
    await rt.changeRequests.close(id, 'EXPIRED', now);
    metrics.changeRequest('expired');
    return viewOf((await rt.changeRequests.get(id))!);
  }
  return viewOf(record);
}

/**
 * Authorize a change request with an SMS TAN.
 * 1. The request must be open, unexpired and the person's own (404 otherwise, 422 when expired).
 * 2. The person must have a verified number: the TAN goes only there.
 * 3. Send the action's TAN text in the person's language (counts against the number's SMS quota); its HMAC
 *    replaces any earlier TAN or device challenge on the request, and the attempts start again.
 */
export async function authorizeWithSms(
  rt: Runtime,
  input: { id: string; personId: string },
): Promise<ChangeRequestView> {
  const record = await openRequest(rt, input.id, input.personId);
  const action = guardedAction(record.action);
  if (!action) throw closed('unsupported');
  const number = await rt.mobileNumbers.get(record.personId);
  if (!number?.verified) {
    throw unprocessable(
      'mobile_number_not_verified',
      'Mobile Number Not Verified',
      'The person has no verified number.',
    );
  }
  const code = isSandboxNumber(number.number, rt.config.sandboxEnabled) ? SANDBOX_OTP : generateOtp();
  const otpId = randomUUID();
  const now = rt.clock.now();
  const params = action.params.parse(record.params);
  await rt.sms.dispatch({
    to: number.number,
    personId: record.personId,
    templateKey: action.tanTemplate,
    language: await rt.languages.languageFor(record.personId),
    variables: { ...(action.tanVariables?.(params) ?? {}), tan: code },
    beforeSend: async () => {
      const otpHash = hashOtp(await rt.pepper(), otpId, code);
      if (
        !(await rt.changeRequests.setAuthorization(
          record.id,
          { method: 'mobile_number', otpId, otpHash },
          now,
        ))
      ) {
        await openRequest(rt, record.id);
        throw closed('no longer open');
      }
    },
  });
  metrics.changeRequest('authorized');
  return { id: record.id, status: 'CONFIRMATION_REQUIRED', updated_at: now.toISOString() };
}

/** The device challenge of a change request answers only through that change request. */
const boundTo = (id: string) => `change_request:${id}`;

/**
 * Authorize a change request by device signing.
 * 1. The request must be open and unexpired (422 when expired).
 * 2. The device must be the request's person's own, active, with an active key of the purpose (404 otherwise).
 * 3. Start a device challenge bound to this request; it replaces any earlier TAN or challenge on the request.
 * 4. Answer with `string_to_sign`, which the device signs and the partner sends to confirm.
 */
export async function authorizeWithDevice(
  rt: Runtime,
  input: { id: string; deviceId: string; keyPurpose?: 'unrestricted' | 'restricted' | undefined },
): Promise<ChangeRequestView> {
  const record = await openRequest(rt, input.id);
  const challenge = await startDeviceChallenge(rt, {
    deviceId: input.deviceId,
    keyPurpose: input.keyPurpose,
    personId: record.personId,
    boundTo: boundTo(record.id),
  });
  const now = rt.clock.now();
  const authorization = {
    method: 'device_signing' as const,
    challengeId: challenge.id,
    deviceId: input.deviceId,
  };
  if (!(await rt.changeRequests.setAuthorization(record.id, authorization, now))) {
    await openRequest(rt, record.id);
    throw closed('no longer open');
  }
  metrics.changeRequest('authorized');
  return {
    id: record.id,
    status: 'CONFIRMATION_REQUIRED',
    updated_at: now.toISOString(),
    string_to_sign: challenge.string_to_sign,
  };
}

/**
 * Confirm a change request; on success the guarded action runs.
 * 1. The request must be open, unexpired, the person's own, and authorized by the same method.
 * 2. Charge one attempt before checking (at most MAX_CONFIRM_ATTEMPTS checks, however many arrive in parallel).
 * 3. Check the TAN (constant time) or the device signature; the last wrong one fails the request.
 * 4. Prepare the action from the current state, and commit it together with COMPLETED in one transaction.
 * 5. Run the action's after-commit work (the deletion notice).
 */
export async function confirmChangeRequest(
  rt: Runtime,
  input: { id: string } & ({ personId: string; tan: string } | { deviceId: string; signature: string }),
): Promise<ChangeRequestView> {
  const isTan = 'tan' in input;
  const record = await openRequest(rt, input.id, isTan ? input.personId : undefined);
  if (record.status === 'AUTHORIZATION_REQUIRED') {
    throw conflict('authorization_required', 'Authorization Required', 'Authorize the change request first.');
  }
  if (isTan !== (record.deliveryMethod === 'mobile_number')) {
    throw unprocessable(
      'delivery_method_mismatch',
      'Delivery Method Mismatch',
      `The change request was authorized by ${record.deliveryMethod}; confirm it the same way.`,
    );
  }
  if (!isTan && input.deviceId !== record.deviceId) throw missing();
  // A malformed signature is a 400 before any attempt is charged, as on the device routes.
  if (!isTan) signatureFrom(input.signature, 'signature');
  const now = rt.clock.now();
  // A TAN is six digits and guessable: it spends the person's daily budget. A signature is not guessable.
  if (isTan) await rt.guessBudget.charge(record.personId, now);
  const charged = await rt.changeRequests.takeAttempt(record.id, now, MAX_CONFIRM_ATTEMPTS);
  if (!charged) {
    if (isTan) metrics.codeCheck('burnt');
    await openRequest(rt, record.id);
    throw invalidTan();
  }
  const proven = isTan
    ? Boolean(
        charged.otpId && (await otpMatchesAccepted(rt.pepper, charged.otpId, input.tan, charged.otpHash!)),
      )
    : await verifyDeviceProof(rt, charged, input.signature);
  if (isTan) metrics.codeCheck(proven ? 'right' : 'wrong');
  if (!proven) {
    const failed = charged.attempts >= MAX_CONFIRM_ATTEMPTS;
    if (failed) await rt.changeRequests.close(record.id, 'FAILED', now);
    metrics.changeRequest(failed ? 'failed' : 'wrong');
    throw invalidTan();
  }
  const action = guardedAction(charged.action)!;
  let prepared: Awaited<ReturnType<typeof action.prepare>>;
  try {
    prepared = await action.prepare(rt, charged, action.params.parse(charged.params), now);
  } catch (error) {
    // The resource changed since the request was opened: the request can never succeed. Anything else (a
    // throttled read, say) leaves it open for another try.
    if (error instanceof DomainError) await rt.changeRequests.close(record.id, 'FAILED', now);
    throw error;
  }
  const outcome = await rt.changeRequests.complete(
    charged,
    prepared.items,
    prepared.response,
    rt.clock.now(),
  );
  if (outcome === 'action_failed') {
    await rt.changeRequests.close(record.id, 'FAILED', now);
    throw conflict(
      'change_no_longer_possible',
      'Change No Longer Possible',
      'The resource changed meanwhile.',
    );
  }
  if (outcome === 'conflict') {
    await openRequest(rt, record.id);
    throw invalidTan();
  }
  metrics.changeRequest('completed');
  await prepared.afterCommit?.();
  return {
    id: record.id,
    status: 'COMPLETED',
    updated_at: now.toISOString(),
    response_code: prepared.response.code,
    response_body: prepared.response.body,
  };
}

/**
 * Checks the device's signature over the request's challenge. A signature that does not verify is a wrong answer
 * (false); a challenge already answered or burnt is not this caller's wrong answer, so it is reported as such and
 * never counts toward failing the request.
 */
async function verifyDeviceProof(
  rt: Runtime,
  request: ChangeRequestRecord,
  signature: string,
): Promise<boolean> {
  try {
    await verifyDeviceChallenge(rt, {
      challengeId: request.challengeId!,
      deviceId: request.deviceId,
      personId: request.personId,
      boundTo: boundTo(request.id),
      signature,
    });
    return true;
  } catch (error) {
    if (error instanceof DomainError && error.code === 'invalid_signature') return false;
    if (error instanceof DomainError && error.status === 403) throw invalidTan();
    throw error;
  }
}
