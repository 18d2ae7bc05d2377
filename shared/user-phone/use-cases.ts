import { checkCode } from '../codes/one-time-code.ts';
import { startCoolingOff } from '../cooling-off/cooling-off.ts';
import type { Uses } from '../deps.ts';
import { badRequest, DomainError, failedPrecondition, forbidden, invalidTan, notFound } from '../errors.ts';
import { buildEvent } from '../events/event.ts';
import { MobileNumberDeleted } from '../events/mobile-number-events.ts';
import { CodeAttemptsExhausted } from '../events/security-events.ts';
import { isSandboxNumber, normalizeMobileNumber } from '../mobile-number/phone-number.ts';
import type { MobileNumberRecord } from '../mobile-number/ports.ts';
import {
  authorizeMobileNumber,
  type ConfirmDeps,
  type CreateDeps,
  confirmMobileNumber,
  createMobileNumber,
  type DeleteDeps,
  deleteMobileNumber,
  type IssueDeps,
} from '../mobile-number/use-cases.ts';
import { type SendCodeDeps, sendCode } from '../sca/send-code.ts';
import { checkSmsDestination } from '../sms/sms-countries.ts';
import type { DetailsView, MyPhoneView } from './user-phone.schema.ts';

/**
 * The end-user API over the one mobile number resource: every rule (number format, OTP, attempts, SMS quota, events)
 * is the partner API's, reached through the same use cases; the person is always the token's, never the request's.
 */

type DetailsDeps = Uses<'clock' | 'phoneSequence' | 'mobileNumbers', 'auth'>;
export type GetMyPhoneDeps = DetailsDeps;
export type SetMyPhoneDeps = DetailsDeps & CreateDeps & DeleteDeps & IssueDeps & Uses<never, 'smsCountries'>;
export type ResendDeps = DetailsDeps & IssueDeps;
export type VerifyDeps = DetailsDeps & ConfirmDeps;
export type RemoveDeps = DetailsDeps &
  DeleteDeps &
  SendCodeDeps &
  Uses<'phoneRemovals' | 'coolingOffs', 'otpMaxAttempts' | 'codeChecksPerDay' | 'coolingOffSeconds'>;

const noPhone = () => notFound('The user has no phone.');

/**
 * Zitadel's ObjectDetails from the person's phone event counter. After a change it is read back consistently, so it
 * includes that change (and perhaps a later concurrent one: the sequence never goes backwards).
 */
async function details(rt: DetailsDeps, personId: string): Promise<DetailsView> {
  const sequence = await rt.phoneSequence.get(personId);
  const now = rt.clock.now().toISOString();
  return {
    details: {
      sequence: String(sequence?.sequence ?? 0),
      creationDate: sequence?.createdAt ?? now,
      changeDate: sequence?.changedAt ?? now,
      resourceOwner: rt.config.auth.resourceOwnerId ?? personId,
    },
  };
}

async function currentPhone(rt: Uses<'mobileNumbers'>, personId: string): Promise<MobileNumberRecord> {
  const record = await rt.mobileNumbers.get(personId);
  if (!record) throw noPhone();
  return record;
}

export async function getMyPhone(rt: GetMyPhoneDeps, personId: string): Promise<MyPhoneView> {
  const record = await currentPhone(rt, personId);
  return {
    ...(await details(rt, personId)),
    phone: { phone: record.number, isPhoneVerified: record.verified },
  };
}

/**
 * Set the caller's phone.
 * 1. `isVerified: true` is refused (7): only a code sent to the number can verify it.
 * 2. Sanitize and validate the number as the partner API does.
 * 3. The same number again: 9 (as Zitadel's "not changed"). A verified number is the person's second factor: it is
 *    never replaced in passing, the caller removes it first (DELETE with a code sent to it), else 9.
 * 4. An unverified different number is removed, the new one created (each with its event), then a verification code
 *    is sent (SMS quota applies: 8 when spent; the number stays set and `_resend_verification` sends one later).
 */
export async function setMyPhone(
  rt: SetMyPhoneDeps,
  personId: string,
  input: { phone: string; isVerified?: boolean | undefined },
): Promise<DetailsView> {
  if (input.isVerified === true) {
    throw forbidden(
      'self_verification_refused',
      'Forbidden',
      'A phone cannot be set as verified; verify it with the code sent to it.',
    );
  }
  const checked = normalizeMobileNumber(input.phone, { sandboxEnabled: rt.config.sandboxEnabled });
  if (!checked.ok) throw badRequest(`phone ${checked.reason}.`, { field: 'phone', message: checked.reason });
  // A phone in a country SMS may not go to is refused before anything is stored (dispatch checks again).
  if (!isSandboxNumber(checked.number, rt.config.sandboxEnabled))
    checkSmsDestination(checked.number, rt.config.smsCountries);
  const current = await rt.mobileNumbers.get(personId);
  if (current?.number === checked.number) {
    throw failedPrecondition(
      'The phone is already set to this number; use _resend_verification for a new code.',
    );
  }
  if (current?.verified) {
    throw failedPrecondition(
      'The current phone is verified; remove it first (DELETE /auth/v1/users/me/phone with a code sent to it).',
    );
  }
  if (current) await deleteMobileNumber(rt, { personId, number: current.number });
  await createMobileNumber(rt, { personId, number: checked.number });
  await authorizeMobileNumber(rt, { personId, number: checked.number });
  return details(rt, personId);
}

/** Send a new verification code: 5 without a phone, 9 when it is verified already. */
export async function resendMyPhoneVerification(rt: ResendDeps, personId: string): Promise<DetailsView> {
  const record = await currentPhone(rt, personId);
  if (record.verified) throw failedPrecondition('The phone is already verified.');
  await authorizeMobileNumber(rt, { personId, number: record.number });
  return details(rt, personId);
}

/**
 * Verify the phone with the code: 5 without a phone, 9 when verified already; otherwise exactly the partner API's
 * confirm (attempt charged before comparing, constant-time comparison, one winner among concurrent requests). A wrong,
 * expired or used-up code is 3, as Zitadel answers.
 */
export async function verifyMyPhone(rt: VerifyDeps, personId: string, code: string): Promise<DetailsView> {
  const record = await currentPhone(rt, personId);
  if (record.verified) throw failedPrecondition('The phone is already verified.');
  await confirmMobileNumber(rt, { personId, number: record.number, token: code });
  return details(rt, personId);
}

/**
 * Remove the caller's phone.
 * - No phone: 5. An unverified phone: removed at once (as the partner API removes one), any code is ignored.
 * - A verified phone without a code: a "confirm deletion" SMS with a fresh code goes to that phone (SMS quota
 *   applies) and the answer is 9, telling the client to repeat the DELETE with `{"code": "..."}`.
 * - A verified phone with a code: checked by the one rule of codes/one-time-code.ts (3 when wrong, expired or used
 *   up; a wrong code is charged once the charge commits); the right code removes the number, uses the code and
 *   starts the person's cooling-off window in one transaction.
 */
export async function removeMyPhone(
  rt: RemoveDeps,
  personId: string,
  code: string | undefined,
): Promise<DetailsView> {
  const record = await currentPhone(rt, personId);
  if (!record.verified) {
    await deleteMobileNumber(rt, { personId, number: record.number });
    return details(rt, personId);
  }
  if (code === undefined) {
    await sendRemovalCode(rt, record);
    throw failedPrecondition(
      'A code to confirm the removal was sent to the phone; repeat the DELETE with {"code": "<code>"}.',
    );
  }
  const result = await checkCode(
    'phone_removal',
    {
      load: async () => {
        const loaded = await rt.phoneRemovals.load(personId);
        if (!loaded.number) throw noPhone();
        return loaded;
      },
      commit: (loaded, answer, charge) => {
        const number = loaded.number!;
        const now = rt.clock.now();
        const coolingOff = startCoolingOff(
          number.personId,
          'mobile_number_removed',
          now,
          rt.config.coolingOffSeconds,
        );
        return rt.phoneRemovals.commit({
          number,
          code: loaded.code!,
          answer,
          charge: charge!,
          maxAttempts: rt.config.otpMaxAttempts,
          event: buildEvent(
            MobileNumberDeleted,
            { id: number.id, person_id: number.personId, number: number.number },
            now,
          ),
          also: rt.coolingOffs.startItems(coolingOff.window, coolingOff.event, now),
          exhaustedEvent: buildEvent(
            CodeAttemptsExhausted,
            {
              person_id: number.personId,
              code: 'phone_removal',
              mobile_number_id: number.id,
              attempts: rt.config.otpMaxAttempts,
            },
            now,
          ),
          now,
        });
      },
    },
    { given: code, now: () => rt.clock.now(), pepper: rt.pepper },
    { maxAttempts: rt.config.otpMaxAttempts, checksPerDay: rt.config.codeChecksPerDay },
  );
  if (result.verdict !== 'right') throw invalidTan();
  return details(rt, personId);
}

const phoneChanged = () =>
  new DomainError(409, 'mobile_number_changed', 'Conflict', 'The phone changed meanwhile; retry.');

/** The removal code goes through the SCA core like every code to a verified number, bound to the number record. */
async function sendRemovalCode(rt: RemoveDeps, record: MobileNumberRecord): Promise<void> {
  const now = rt.clock.now();
  await sendCode(rt, {
    kind: 'phone_removal',
    personId: record.personId,
    boundTo: record.id,
    templateKey: 'sms.mobile_number.confirm_deletion',
    what: 'Removing the phone',
    noVerifiedNumber: phoneChanged,
    refuse: ({ number }) => {
      if (number?.id !== record.id) throw phoneChanged();
    },
    store: async (code, _codeId, to) => {
      if ((await rt.phoneRemovals.saveCode(to, code, now)) === 'number_changed') throw phoneChanged();
    },
  });
}
