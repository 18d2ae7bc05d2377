import { randomBytes } from 'node:crypto';
import { type ChangeRequestView, requestChange } from '../change-requests/request-change.ts';
import { checkCode, issueCode } from '../codes/one-time-code.ts';
import { startCoolingOff } from '../cooling-off/cooling-off.ts';
import type { Uses } from '../deps.ts';
import { badRequest, conflict, invalidTan, notFound, tooManyRequests, unprocessable } from '../errors.ts';
import { buildEvent } from '../events/event.ts';
import {
  MobileNumberCreated,
  MobileNumberDeleted,
  MobileNumberVerified,
} from '../events/mobile-number-events.ts';
import { CodeAttemptsExhausted } from '../events/security-events.ts';
import { sendNotice } from '../sms/notice.ts';
import { isTemplateKey, MissingTemplateVariable, templateFor, templateVariables } from '../sms/render.ts';
import type { PreparedSms } from '../sms/sms-dispatcher.ts';
import type { TemplateKey } from '../sms/templates.ts';
import type { MobileNumberView } from './mobile-number.schema.ts';
import { givenNumber, normalizeMobileNumber } from './phone-number.ts';
import type { MobileNumberRecord, ReplacedNumber } from './ports.ts';

export type CreateDeps = Uses<'clock' | 'mobileNumbers', 'sandboxEnabled'>;
export type ReadDeps = Uses<'mobileNumbers'>;
export type DeleteDeps = Uses<'clock' | 'mobileNumbers' | 'changeRequests'>;
export type IssueDeps = Uses<
  'clock' | 'mobileNumbers' | 'pepper' | 'sms',
  'otpTtlSeconds' | 'sandboxEnabled'
>;
export type ConfirmDeps = Uses<
  'clock' | 'mobileNumbers' | 'pepper' | 'sms' | 'languages' | 'coolingOffs',
  'otpMaxAttempts' | 'codeChecksPerDay' | 'coolingOffSeconds'
>;

/** Solaris-style resource id: 32 hex characters and a type suffix. */
const newMobileNumberId = () => `${randomBytes(16).toString('hex')}cmno`;

export const toView = (record: MobileNumberRecord): MobileNumberView => ({
  id: record.id,
  number: record.number,
  verified: record.verified,
});

const refuseNumber = (reason: string) =>
  badRequest(`number ${reason}.`, { field: 'number', message: reason });

/** A number entering the service: fully validated (number plan, type). */
function sanitize(rt: Uses<never, 'sandboxEnabled'>, input: string): string {
  const checked = normalizeMobileNumber(input, { sandboxEnabled: rt.config.sandboxEnabled });
  if (!checked.ok) throw refuseNumber(checked.reason);
  return checked.number;
}

/** A number naming the person's registered one: only its form is checked, then it must equal the stored number. */
function sanitizeGiven(input: string): string {
  const checked = givenNumber(input);
  if (!checked.ok) throw refuseNumber(checked.reason);
  return checked.number;
}

const noNumber = () => notFound('The person has no mobile number.');
const notVerified = () =>
  unprocessable(
    'mobile_number_not_verified',
    'Mobile Number Not Verified',
    'The mobile number is not verified yet: verify it through authorize and confirm before it can be used for 2FA.',
  );
const mismatch = () => notFound('The person has no mobile number matching the given number.');

/** The person's number, which must equal the given one (after sanitizing); otherwise 404. */
async function matchingNumber(rt: ReadDeps, personId: string, input: string): Promise<MobileNumberRecord> {
  const number = sanitizeGiven(input);
  const record = await rt.mobileNumbers.get(personId);
  if (!record) throw noNumber();
  if (record.number !== number) throw mismatch();
  return record;
}

/**
 * Create a mobile number.
 * 1. Sanitize and validate the number (E.164, or the sandbox number where enabled).
 * 2. Store it unverified with its PERSON_MOBILE_NUMBER_CREATED event in one transaction; 409 if the person has one.
 */
export async function createMobileNumber(
  rt: CreateDeps,
  input: { personId: string; number: string; deviceData?: string | undefined },
): Promise<MobileNumberView> {
  const number = sanitize(rt, input.number);
  const now = rt.clock.now();
  const record: MobileNumberRecord = {
    id: newMobileNumberId(),
    personId: input.personId,
    number,
    verified: false,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  const event = buildEvent(
    MobileNumberCreated,
    { id: record.id, person_id: record.personId, number, verified: false },
    now,
  );
  await rt.mobileNumbers.create(record, input.deviceData, event);
  return toView(record);
}

export async function getMobileNumber(rt: ReadDeps, personId: string): Promise<MobileNumberView> {
  const record = await rt.mobileNumbers.get(personId);
  if (!record) throw noNumber();
  return toView(record);
}

/**
 * Delete a mobile number.
 * 1. The given number must be the person's (404 otherwise).
 * 2. A verified number is the person's second factor: open a change request that deletes it once confirmed with a
 *    second factor (202), and change nothing yet.
 * 3. An unverified number goes at once: delete it, its pending OTP and write PERSON_MOBILE_NUMBER_DELETED in one
 *    transaction (200).
 */
export async function deleteMobileNumber(
  rt: DeleteDeps,
  input: { personId: string; number: string },
): Promise<{ status: 200; body: MobileNumberView } | { status: 202; body: ChangeRequestView }> {
  const record = await matchingNumber(rt, input.personId, input.number);
  if (record.verified) {
    const body = await requestChange(rt, {
      personId: record.personId,
      action: 'mobile_number.delete',
      params: { mobile_number_id: record.id, number: record.number },
    });
    return { status: 202, body };
  }
  const now = rt.clock.now();
  const event = buildEvent(
    MobileNumberDeleted,
    { id: record.id, person_id: record.personId, number: record.number },
    now,
  );
  if ((await rt.mobileNumbers.deleteUnverified(record, event, now)) === 'number_changed') {
    throw conflict(
      'mobile_number_changed',
      'Mobile Number Changed',
      'The mobile number changed meanwhile; retry.',
    );
  }
  return { status: 200, body: toView(record) };
}

/** How often a request re-reads after losing a limit slot to a concurrent request before it answers 429. */
const MAX_ROUNDS = 10;

const contended = () => tooManyRequests('Too many concurrent requests for this person; try again.', 1);

/** The OTP variable is filled by the service; any other value must be one of the text's variables, without braces. */
function checkedVariables(templateKey: TemplateKey, variables: Record<string, string>) {
  const template = templateFor(templateKey);
  if (!template.otpVariable) {
    throw unprocessable(
      'invalid_authorization_text_key',
      'Invalid Authorization Text Key',
      `The text "${templateKey}" carries no OTP and cannot be used for an authorization.`,
    );
  }
  // Callers pass a placeholder such as {"tan":"{tan}"} for the OTP; any other value must be plain text, so no SMS
  // ever shows a template placeholder.
  const { [template.otpVariable]: _placeholder, ...given } = variables;
  const known = new Set(templateVariables(templateKey));
  const unknown = Object.keys(given).find((name) => !known.has(name));
  if (unknown) {
    const field = `authorization_text_variables.${unknown}`;
    throw badRequest(`${field} is not a variable of this text.`, { field, message: 'unknown variable' });
  }
  const braced = Object.entries(given).find(([, value]) => /[{}]/.test(value));
  if (braced) {
    const field = `authorization_text_variables.${braced[0]}`;
    throw badRequest(`${field} must not contain braces.`, { field, message: 'must not contain braces' });
  }
  return { otpVariable: template.otpVariable, given };
}

/**
 * Issue a new OTP for the person's number and send it with the given text, in two DynamoDB round trips:
 * 1. Check the text and its variables (before anything is read or spent).
 * 2. Read the number, the person's language and (when the caller names the number) both SMS limits in one read.
 *    404 when there is no number or it differs from the given one; a verified number is answered as it is when
 *    `verifiedStops` is set.
 * 3. Issue the code (see codes/one-time-code.ts), render the SMS, plan one use of each SMS limit (429 when spent).
 * 4. Commit the code, bound to this number record and replacing any pending one, with the limit charges. A
 *    concurrent request that took a limit slot makes this one read again.
 * 5. Send the SMS.
 */
async function issueOtp(
  rt: IssueDeps,
  input: {
    personId: string;
    /** The number the caller gave (sanitized); without one, the person's number whatever it is. */
    number?: string | undefined;
    verifiedStops?: boolean;
    /** Refuse (422) when the number is not verified yet: the text asks the person to use it as a second factor. */
    verifiedRequired?: boolean;
    templateKey: TemplateKey;
    variables: Record<string, string>;
    deviceData: string | undefined;
  },
): Promise<MobileNumberView> {
  const { otpVariable, given } = checkedVariables(input.templateKey, input.variables);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const loaded = await rt.mobileNumbers.load(input.personId, input.number);
    const record = loaded.number;
    if (!record) throw noNumber();
    if (input.number !== undefined && record.number !== input.number) throw mismatch();
    if (input.verifiedStops && record.verified) return toView(record);
    if (input.verifiedRequired && !record.verified) throw notVerified();
    const limits = loaded.limits ?? (await rt.mobileNumbers.limits(record.number, record.personId));

    const now = rt.clock.now();
    const issued = issueCode(
      'mobile_number',
      { to: record.number, boundTo: record.id, now, pepper: await rt.pepper() },
      { ttlSeconds: rt.config.otpTtlSeconds, sandboxEnabled: rt.config.sandboxEnabled },
    );
    let sms: PreparedSms;
    try {
      sms = rt.sms.prepare(
        {
          to: record.number,
          personId: record.personId,
          templateKey: input.templateKey,
          language: loaded.language,
          variables: { ...given, [otpVariable]: issued.code },
        },
        limits,
      );
    } catch (error) {
      if (error instanceof MissingTemplateVariable) {
        throw unprocessable(
          'missing_authorization_text_variable',
          'Missing Authorization Text Variable',
          `authorization_text_variables must contain "${error.variable}" for this text.`,
        );
      }
      throw error;
    }
    const saved = await rt.mobileNumbers.save({
      number: record,
      code: issued.pending,
      sms,
      deviceData: input.deviceData,
      now,
    });
    if (saved === 'number_changed') throw noNumber();
    if (saved === 'limit_taken') continue;
    await rt.sms.send(sms);
    return toView(record);
  }
  throw contended();
}

/**
 * Authorize a mobile number: 404 unless the given number is the person's; a verified number is returned as it is and
 * no SMS is sent; otherwise an OTP goes out with the "verify number" text.
 */
export async function authorizeMobileNumber(
  rt: IssueDeps,
  input: { personId: string; number: string; deviceData?: string | undefined },
): Promise<MobileNumberView> {
  return issueOtp(rt, {
    personId: input.personId,
    number: sanitizeGiven(input.number),
    verifiedStops: true,
    templateKey: 'sms.mobile_number.verify_number',
    variables: {},
    deviceData: input.deviceData,
  });
}

/**
 * Request a new authorization challenge with the text the partner names (for example a 2FA text for a verified
 * number). The OTP replaces any pending one and is confirmed through the confirm route.
 * "The customer cannot use their mobile number until they verify it" (Solaris reference, create): on an unverified
 * number only the verification text (`sms.mobile_number.verify_number`, the reference's own example for this route)
 * is sent, as a new verification code; any other text is a use of the number as a second factor and is refused with
 * 422 `mobile_number_not_verified` before anything is sent or charged. So no 2FA code can ever verify a number.
 */
export async function reauthorizeMobileNumber(
  rt: IssueDeps,
  input: {
    personId: string;
    textKey: string;
    variables?: Record<string, string> | undefined;
    deviceData?: string | undefined;
  },
): Promise<MobileNumberView> {
  if (!isTemplateKey(input.textKey)) {
    throw unprocessable(
      'invalid_authorization_text_key',
      'Invalid Authorization Text Key',
      `Unknown authorization_text_key "${input.textKey}".`,
    );
  }
  if (templateFor(input.textKey).serviceOnly) {
    throw unprocessable(
      'invalid_authorization_text_key',
      'Invalid Authorization Text Key',
      `The text "${input.textKey}" is sent only by a payment authorization, whose TAN is bound to its amount and payee; use POST /v1/persons/{person_id}/payment_authorizations.`,
    );
  }
  return issueOtp(rt, {
    personId: input.personId,
    verifiedRequired: input.textKey !== 'sms.mobile_number.verify_number',
    templateKey: input.textKey,
    variables: input.variables ?? {},
    deviceData: input.deviceData,
  });
}

/**
 * Confirm a mobile number with the OTP, in two DynamoDB round trips (the rule is `checkCode`'s):
 * 1. Read the number, the pending OTP and the person's code-check budget together. The given number must
 *    be the person's (404 otherwise); the token must be six digits (403, nothing charged); the budget must have
 *    room (429); an OTP must be pending for this number record, unexpired and not out of attempts (403 otherwise).
 * 2. Compare the code's HMAC in constant time.
 * 3. Commit the outcome with one unit of the budget: wrong, one attempt is charged and the answer is 403; right, the
 *    OTP is used and the number verified. A check that lost the race to a concurrent one (OTP used, burnt or
 *    replaced meanwhile) is charged nothing and answers 403 like a wrong code.
 * 4. When the verified number replaces the person's previous verified number (removed within the last 30 days, and a
 *    different number), the old number gets the "Changed Notification" in the person's language, after the commit.
 */
export async function confirmMobileNumber(
  rt: ConfirmDeps,
  input: { personId: string; number: string; token: string; deviceData?: string | undefined },
): Promise<MobileNumberView> {
  const number = sanitizeGiven(input.number);
  const result = await checkCode(
    'mobile_number',
    {
      load: async () => {
        const loaded = await rt.mobileNumbers.loadConfirmation(input.personId);
        if (!loaded.number) throw noNumber();
        if (loaded.number.number !== number) throw mismatch();
        // A token that is not six digits cannot be the OTP: 403 as for a wrong one, no attempt spent.
        if (!/^\d{6}$/.test(input.token)) throw invalidTan();
        return loaded;
      },
      commit: (loaded, answer, charge) => {
        const record = loaded.number!;
        const now = rt.clock.now();
        // Verifying a number that replaces a verified one (removed within the memo's 30 days) is the number changing
        // hands: the cooling-off window starts again from now, in the same transaction.
        const replacing =
          loaded.replaced &&
          loaded.replaced.number !== record.number &&
          loaded.replaced.expiresAtMs > now.getTime();
        const coolingOff = replacing
          ? startCoolingOff(record.personId, 'mobile_number_replaced', now, rt.config.coolingOffSeconds)
          : undefined;
        return rt.mobileNumbers.commit({
          ...(coolingOff
            ? { also: rt.coolingOffs.startItems(coolingOff.window, coolingOff.event, now) }
            : {}),
          number: record,
          code: loaded.code!,
          answer,
          charge: charge!,
          maxAttempts: rt.config.otpMaxAttempts,
          deviceData: input.deviceData,
          now,
          verifiedEvent: buildEvent(
            MobileNumberVerified,
            { id: record.id, person_id: record.personId, number: record.number },
            now,
          ),
          exhaustedEvent: buildEvent(
            CodeAttemptsExhausted,
            {
              person_id: record.personId,
              code: 'mobile_number',
              mobile_number_id: record.id,
              attempts: rt.config.otpMaxAttempts,
            },
            now,
          ),
        });
      },
    },
    { given: input.token, now: () => rt.clock.now(), pepper: rt.pepper },
    { maxAttempts: rt.config.otpMaxAttempts, checksPerDay: rt.config.codeChecksPerDay },
  );
  if (result.verdict !== 'right') throw invalidTan();
  const record = result.loaded.number!;
  await rt.sms.confirmed(record.number);
  await notifyReplaced(rt, record, result.loaded.replaced);
  return toView({ ...record, verified: true, updatedAt: rt.clock.now().toISOString() });
}

/**
 * The guide's "Changed Notification" ("Your mobile number {old_number} has been replaced by {new_number}"): a change
 * of a verified number is a delete and a re-create, so it is sent when the new number is verified, to the old number,
 * which is how a person whose number was changed without them learns of it. The verification stands whatever happens
 * to this notice; a failure (e.g. the old number's hourly SMS quota) is logged.
 */
async function notifyReplaced(
  rt: Uses<'clock' | 'sms' | 'languages'>,
  record: MobileNumberRecord,
  replaced: ReplacedNumber | undefined,
): Promise<void> {
  if (!replaced || replaced.number === record.number) return;
  if (replaced.expiresAtMs <= rt.clock.now().getTime()) return;
  await sendNotice(rt, {
    what: 'changed',
    to: replaced.number,
    personId: record.personId,
    templateKey: 'sms.mobile_number.changed_notification',
    variables: { old_number: replaced.number, new_number: record.number },
  });
}
