import { checkCode } from '../codes/one-time-code.ts';
import { refuseDuringCoolingOff } from '../cooling-off/cooling-off.ts';
import type { Uses } from '../deps.ts';
import { signatureFrom } from '../devices/challenge-common.ts';
import { startDeviceChallenge, verifyDeviceChallenge } from '../devices/device-signing.ts';
import { conflict, DomainError, invalidTan, notFound, unprocessable } from '../errors.ts';
import { ChangeRequestCompleted } from '../events/change-request-events.ts';
import { buildEvent } from '../events/event.ts';
import { metrics } from '../metrics.ts';
import { type SendCodeDeps, sendCode } from '../sca/send-code.ts';
import type { ChangeRequestRecord } from './dynamo-change-request-store.ts';
import { type ActionDeps, guardedAction, type PreparedAction } from './guarded-actions.ts';

type RequestDeps = Uses<'clock' | 'changeRequests'>;
export type AuthorizeBySmsDeps = RequestDeps & SendCodeDeps;
export type AuthorizeByDeviceDeps = RequestDeps &
  Uses<'devices' | 'coolingOffs', 'otpTtlSeconds' | 'otpMaxAttempts'>;
export type ConfirmDeps = RequestDeps &
  ActionDeps &
  Uses<'devices' | 'pepper', 'codeChecksPerDay' | 'otpMaxAttempts'>;

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
 * What an open request past its 5 minutes, or out of confirmation attempts, has become: it is closed as such
 * first, so every reader sees the same state (concurrent wrong answers can use up the attempts without any of them
 * seeing the last one).
 */
function lapsed(record: ChangeRequestRecord, now: Date): 'EXPIRED' | 'FAILED' | undefined {
  if (!OPEN.has(record.status)) return undefined;
  if (now.getTime() >= record.expiresAtMs) return 'EXPIRED';
  if (record.attempts >= MAX_CONFIRM_ATTEMPTS) return 'FAILED';
  return undefined;
}

/**
 * The request as read, which must exist, belong to the person and be open (404, 422 expired, 409 closed). A request
 * of another person is reported as missing.
 */
async function stillOpen(
  rt: RequestDeps,
  record: ChangeRequestRecord | undefined,
  personId?: string,
): Promise<ChangeRequestRecord> {
  if (!record || (personId !== undefined && record.personId !== personId)) throw missing();
  const now = rt.clock.now();
  const lapse = lapsed(record, now);
  if (lapse) {
    await rt.changeRequests.close(record.id, lapse, now);
    throw lapse === 'EXPIRED' ? expired() : closed(lapse);
  }
  if (record.status === 'EXPIRED') throw expired();
  if (!OPEN.has(record.status)) throw closed(record.status);
  return record;
}

const openRequest = async (rt: RequestDeps, id: string, personId?: string) =>
  stillOpen(rt, await rt.changeRequests.get(id), personId);

export async function getChangeRequest(rt: RequestDeps, id: string): Promise<ChangeRequestView> {
  const record = await rt.changeRequests.get(id);
  if (!record) throw missing();
  const now = rt.clock.now();
  const lapse = lapsed(record, now);
  if (lapse) {
    await rt.changeRequests.close(id, lapse, now);
    if (lapse === 'EXPIRED') metrics.changeRequest('expired');
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
  rt: AuthorizeBySmsDeps,
  input: { id: string; personId: string },
): Promise<ChangeRequestView> {
  const record = await openRequest(rt, input.id, input.personId);
  const action = guardedAction(record.action);
  if (!action) throw closed('unsupported');
  const now = rt.clock.now();
  const params = action.params.parse(record.params);
  await sendCode(rt, {
    kind: 'change_request',
    personId: record.personId,
    boundTo: record.id,
    templateKey: action.tanTemplate,
    variables: () => action.tanVariables?.(params) ?? {},
    what: 'Authorizing a change request',
    noVerifiedNumber: () =>
      unprocessable(
        'mobile_number_not_verified',
        'Mobile Number Not Verified',
        'The person has no verified number.',
      ),
    store: async (tan, _codeId, to) => {
      const authorization = {
        method: 'mobile_number' as const,
        otpId: tan.id,
        otpHash: tan.secret,
        sentTo: to.id,
      };
      if (!(await rt.changeRequests.setAuthorization(record.id, authorization, now))) {
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
  rt: AuthorizeByDeviceDeps,
  input: { id: string; deviceId: string; keyPurpose?: 'unrestricted' | 'restricted' | undefined },
): Promise<ChangeRequestView> {
  const record = await openRequest(rt, input.id);
  await refuseDuringCoolingOff(rt, record.personId, 'Authorizing a change request by device signing');
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

/** The request's state allows a confirmation of this kind (authorized, by the same method, the same device). */
function confirmable(record: ChangeRequestRecord, by: { tan: true } | { tan: false; deviceId: string }) {
  if (record.status === 'AUTHORIZATION_REQUIRED') {
    throw conflict('authorization_required', 'Authorization Required', 'Authorize the change request first.');
  }
  if (by.tan !== (record.deliveryMethod === 'mobile_number')) {
    throw unprocessable(
      'delivery_method_mismatch',
      'Delivery Method Mismatch',
      `The change request was authorized by ${record.deliveryMethod}; confirm it the same way.`,
    );
  }
  if (!by.tan && by.deviceId !== record.deviceId) throw missing();
}

const completed = (record: ChangeRequestRecord, prepared: PreparedAction, now: Date): ChangeRequestView => ({
  id: record.id,
  status: 'COMPLETED',
  updated_at: now.toISOString(),
  response_code: prepared.response.code,
  response_body: prepared.response.body,
});

/**
 * The guarded action's writes, prepared from the current state. When the resource changed since the request was
 * opened (and not by a concurrent confirmation of this request) the request can never succeed and fails for good;
 * anything else (a throttled read, say) leaves it open.
 */
async function prepareAction(
  rt: RequestDeps & ActionDeps,
  record: ChangeRequestRecord,
  now: Date,
): Promise<PreparedAction> {
  const action = guardedAction(record.action)!;
  try {
    const prepared = await action.prepare(rt, record, action.params.parse(record.params), now);
    const event = buildEvent(
      ChangeRequestCompleted,
      {
        id: record.id,
        person_id: record.personId,
        action: record.action,
        delivery_method: record.deliveryMethod ?? 'mobile_number',
      },
      now,
    );
    return { ...prepared, items: [...prepared.items, rt.changeRequests.completionEventItem(event, now)] };
  } catch (error) {
    if (error instanceof DomainError) {
      // A concurrent confirmation that completed the request changed the resource: answer what the request is.
      await openRequest(rt, record.id);
      await rt.changeRequests.close(record.id, 'FAILED', now);
    }
    throw error;
  }
}

const noLongerPossible = async (rt: RequestDeps, record: ChangeRequestRecord, now: Date) => {
  await rt.changeRequests.close(record.id, 'FAILED', now);
  return conflict(
    'change_no_longer_possible',
    'Change No Longer Possible',
    'The resource changed meanwhile.',
  );
};

/**
 * Confirm a change request with its SMS TAN; on success the guarded action runs. Three DynamoDB round trips when
 * right, two when wrong; the rule is `checkCode`'s, as for every code:
 * 1. Read the request with the person's code-check budget. It must be open, unexpired, the person's own, and
 *    authorized by SMS (404, 422, 409); the TAN must be six digits (403, nothing charged); the budget must have
 *    room (429).
 * 2. Compare the TAN in constant time.
 * 3. Wrong: charge one attempt and one budget unit in one transaction, then answer 403 (the third wrong one fails
 *    the request for good).
 * 4. Right: prepare the action from the current state, and commit it with COMPLETED and the budget unit in one
 *    transaction; then run its after-commit work (the deletion notice).
 * 5. A right TAN that lost the race to a concurrent confirmation is charged nothing and answers what the request has
 *    become (409 `change_request_closed` once it is COMPLETED).
 */
async function confirmWithTan(
  rt: ConfirmDeps,
  input: { id: string; personId: string; tan: string },
): Promise<ChangeRequestView> {
  let prepared: PreparedAction | undefined;
  const result = await checkCode(
    'change_request',
    {
      load: async () => {
        const loaded = await rt.changeRequests.loadTanCheck(input.id, input.personId);
        confirmable(await stillOpen(rt, loaded.request, input.personId), { tan: true });
        // A TAN that is not six digits cannot be the TAN: 403 as for a wrong one (the reference's answer to an
        // invalid token), refused before any comparison, so it spends no attempt and no budget.
        if (!/^\d{6}$/.test(input.tan)) throw invalidTan();
        return loaded;
      },
      commit: async (loaded, answer, charge) => {
        const request = loaded.request!;
        const now = rt.clock.now();
        prepared = answer === 'right' ? await prepareAction(rt, request, now) : undefined;
        return rt.changeRequests.commitTan({
          request,
          answer,
          charge: charge!,
          maxAttempts: MAX_CONFIRM_ATTEMPTS,
          ...(prepared ? { action: prepared } : {}),
          verifiedNumber: loaded.verifiedNumber!,
          now,
        });
      },
    },
    { given: input.tan, now: () => rt.clock.now(), pepper: rt.pepper },
    { maxAttempts: MAX_CONFIRM_ATTEMPTS, checksPerDay: rt.config.codeChecksPerDay },
  );
  const now = rt.clock.now();
  switch (result.verdict) {
    case 'right':
      metrics.changeRequest('completed');
      await prepared!.afterCommit?.();
      return completed(result.loaded.request!, prepared!, now);
    case 'wrong': {
      const failed = result.attempts >= MAX_CONFIRM_ATTEMPTS;
      if (failed) await rt.changeRequests.close(input.id, 'FAILED', now);
      metrics.changeRequest(failed ? 'failed' : 'wrong');
      throw invalidTan();
    }
    case 'refused':
      throw await noLongerPossible(rt, result.loaded.request!, now);
    default:
      // No usable TAN, or another confirmation won meanwhile: answer what the request is now.
      await openRequest(rt, input.id, input.personId);
      throw invalidTan();
  }
}

/**
 * Confirm a change request with the bound device's signature; on success the guarded action runs.
 * 1. The request must be open, unexpired and authorized by device signing with this device (404, 422, 409).
 * 2. Check the signature over the request's device challenge (a wrong one is charged on the challenge).
 * 3. Wrong: charge one attempt on the request too, then answer 403 (the third fails it for good).
 * 4. Right: prepare the action and commit it with COMPLETED in one transaction; then its after-commit work.
 */
async function confirmWithDevice(
  rt: ConfirmDeps,
  input: { id: string; deviceId: string; signature: string },
): Promise<ChangeRequestView> {
  const record = await openRequest(rt, input.id);
  confirmable(record, { tan: false, deviceId: input.deviceId });
  await refuseDuringCoolingOff(rt, record.personId, 'Confirming a change request with a device signature');
  // A malformed signature is a 400 before anything is charged, as on the device routes.
  signatureFrom(input.signature, 'signature');
  const now = rt.clock.now();
  if (!(await verifyDeviceProof(rt, record, input.signature))) {
    if (!(await rt.changeRequests.chargeWrongSignature(record, MAX_CONFIRM_ATTEMPTS, now))) {
      await openRequest(rt, record.id);
    } else {
      const failed = record.attempts + 1 >= MAX_CONFIRM_ATTEMPTS;
      if (failed) await rt.changeRequests.close(record.id, 'FAILED', now);
      metrics.changeRequest(failed ? 'failed' : 'wrong');
    }
    throw invalidTan();
  }
  const prepared = await prepareAction(rt, record, now);
  const outcome = await rt.changeRequests.complete(record, prepared.items, prepared.response, rt.clock.now());
  if (outcome === 'action_failed') throw await noLongerPossible(rt, record, now);
  if (outcome === 'conflict') {
    await openRequest(rt, record.id);
    throw invalidTan();
  }
  metrics.changeRequest('completed');
  await prepared.afterCommit?.();
  return completed(record, prepared, now);
}

/** Confirm a change request by the method it was authorized with. */
export async function confirmChangeRequest(
  rt: ConfirmDeps,
  input: { id: string } & ({ personId: string; tan: string } | { deviceId: string; signature: string }),
): Promise<ChangeRequestView> {
  return 'tan' in input ? confirmWithTan(rt, input) : confirmWithDevice(rt, input);
}

/**
 * Checks the device's signature over the request's challenge. A signature that does not verify is a wrong answer
 * (false); a challenge already answered or burnt is not this caller's wrong answer, so it is reported as such and
 * never counts toward failing the request.
 */
async function verifyDeviceProof(
  rt: ConfirmDeps,
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
