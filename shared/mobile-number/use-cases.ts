import { randomBytes, randomUUID } from 'node:crypto';
import { type ChangeRequestView, requestChange } from '../change-requests/request-change.ts';
import { buildEvent } from '../events/event.ts';
import { MobileNumberCreated, MobileNumberDeleted } from '../events/mobile-number-events.ts';
import { badRequest, conflict, invalidTan, notFound, unprocessable } from '../http/errors.ts';
import { generateOtp, hashOtp, otpMatches } from '../otp/otp.ts';
import type { Runtime } from '../runtime.ts';
import { isTemplateKey, MissingTemplateVariable, templateFor, templateVariables } from '../sms/render.ts';
import type { TemplateKey } from '../sms/templates.ts';
import type { MobileNumberView } from './mobile-number.schema.ts';
import type { MobileNumberRecord } from './mobile-number-store.ts';
import { isSandboxNumber, normalizeMobileNumber, SANDBOX_OTP } from './phone-number.ts';

/** Solaris-style resource id: 32 hex characters and a type suffix. */
const newMobileNumberId = () => `${randomBytes(16).toString('hex')}cmno`;

export const toView = (record: MobileNumberRecord): MobileNumberView => ({
  id: record.id,
  number: record.number,
  verified: record.verified,
});

function sanitize(rt: Runtime, input: string): string {
  const checked = normalizeMobileNumber(input, { sandboxEnabled: rt.config.sandboxEnabled });
  if (!checked.ok)
    throw badRequest(`number ${checked.reason}.`, { field: 'number', message: checked.reason });
  return checked.number;
}

const noNumber = () => notFound('The person has no mobile number.');
const mismatch = () => notFound('The person has no mobile number matching the given number.');

/** The person's number, which must equal the given one (after sanitizing); otherwise 404. */
async function matchingNumber(rt: Runtime, personId: string, input: string): Promise<MobileNumberRecord> {
  const number = sanitize(rt, input);
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
  rt: Runtime,
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

export async function getMobileNumber(rt: Runtime, personId: string): Promise<MobileNumberView> {
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
  rt: Runtime,
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
  if (!(await rt.mobileNumbers.deleteUnverified(record, event, now))) {
    throw conflict(
      'mobile_number_changed',
      'Mobile Number Changed',
      'The mobile number changed meanwhile; retry.',
    );
  }
  return { status: 200, body: toView(record) };
}

/**
 * Issue a new OTP for the number and send it with the given template.
 * 1. Generate the code (the sandbox number always gets 212212) and render the SMS.
 * 2. Take one unit of the number's SMS quota (429 when spent).
 * 3. Store the code's HMAC, replacing any previous OTP, bound to this number record.
 * 4. Send the SMS in the person's language.
 */
async function issueOtp(
  rt: Runtime,
  record: MobileNumberRecord,
  templateKey: TemplateKey,
  variables: Record<string, string>,
  deviceData: string | undefined,
): Promise<void> {
  const template = templateFor(templateKey);
  if (!template.otpVariable) {
    throw unprocessable(
      'invalid_authorization_text_key',
      'Invalid Authorization Text Key',
      `The text "${templateKey}" carries no OTP and cannot be used for an authorization.`,
    );
  }
  // The OTP variable is always filled by the service (callers pass a placeholder such as {"tan":"{tan}"}); any
  // other value must be plain text, so no SMS ever shows a template placeholder.
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
  const sandbox = isSandboxNumber(record.number, rt.config.sandboxEnabled);
  const code = sandbox ? SANDBOX_OTP : generateOtp();
  const now = rt.clock.now();
  const otpId = randomUUID();
  const language = await rt.languages.languageFor(record.personId);
  try {
    await rt.sms.dispatch({
      to: record.number,
      personId: record.personId,
      templateKey,
      language,
      variables: { ...given, [template.otpVariable]: code },
      beforeSend: async () => {
        const hash = hashOtp(await rt.pepper(), otpId, code);
        const expiresAtMs = now.getTime() + rt.config.otpTtlSeconds * 1000;
        const saved = await rt.mobileNumbers.saveOtp(
          record,
          { otpId, mobileNumberId: record.id, hash, expiresAtMs },
          deviceData,
          now,
        );
        if (!saved) throw noNumber();
      },
    });
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
}

/**
 * Authorize a mobile number: 404 unless the given number is the person's; a verified number is returned as it is and
 * no SMS is sent; otherwise an OTP goes out with the "verify number" text.
 */
export async function authorizeMobileNumber(
  rt: Runtime,
  input: { personId: string; number: string; deviceData?: string | undefined },
): Promise<MobileNumberView> {
  const record = await matchingNumber(rt, input.personId, input.number);
  if (record.verified) return toView(record);
  await issueOtp(rt, record, 'sms.mobile_number.verify_number', {}, input.deviceData);
  return toView(record);
}

/**
 * Request a new authorization challenge with the text the partner names (for example a 2FA text for a verified
 * number). The OTP replaces any pending one and is confirmed through the confirm route.
 */
export async function reauthorizeMobileNumber(
  rt: Runtime,
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
  const record = await rt.mobileNumbers.get(input.personId);
  if (!record) throw noNumber();
  await issueOtp(rt, record, input.textKey, input.variables ?? {}, input.deviceData);
  return toView(record);
}

/**
 * Confirm a mobile number with the OTP.
 * 1. The given number must be the person's (404 otherwise).
 * 2. Charge the person's daily code-check budget (429 when spent), then one attempt to the pending OTP, both before
 *    comparing; no attempt left, expired or none pending: 403.
 * 3. Compare the code's HMAC in constant time; wrong: 403.
 * 4. Consume the OTP and mark the number verified in one transaction; losing a race to another confirm: 403.
 */
export async function confirmMobileNumber(
  rt: Runtime,
  input: { personId: string; number: string; token: string; deviceData?: string | undefined },
): Promise<MobileNumberView> {
  const record = await matchingNumber(rt, input.personId, input.number);
  const now = rt.clock.now();
  await rt.guessBudget.charge(input.personId, now);
  const otp = await rt.mobileNumbers.takeOtpAttempt(input.personId, now, rt.config.otpMaxAttempts);
  if (!otp || otp.mobileNumberId !== record.id) throw invalidTan();
  if (!otpMatches(await rt.pepper(), otp.otpId, input.token, otp.hash)) throw invalidTan();
  const verified = await rt.mobileNumbers.consumeOtpAndVerify(
    record,
    otp.otpId,
    input.deviceData,
    rt.clock.now(),
  );
  if (!verified) throw invalidTan();
  return toView(verified);
}
