import { randomUUID } from 'node:crypto';
import { type CodeKind, issueCode, type PendingCode } from '../codes/one-time-code.ts';
import { coolingOffPeriod, isCoolingOff } from '../cooling-off/cooling-off.ts';
import type { Uses } from '../deps.ts';
import type { DomainError } from '../errors.ts';
import type { MobileNumberRecord } from '../mobile-number/ports.ts';
import type { Language, TemplateKey } from '../sms/templates.ts';
import { type ChallengeKind, POLICY, policyValue } from './policy.ts';
import type { Recipient } from './ports.ts';

export type SendCodeDeps = Uses<
  'clock' | 'pepper' | 'sms' | 'recipients',
  'otpTtlSeconds' | 'sandboxEnabled'
>;

export interface SendCodeRequest {
  kind: CodeKind;
  personId: string;
  /** The record the code answers for (a change request, a pending device, a payment authorization). */
  boundTo: string;
  /** The text, and its variables besides the code (which fills `codeVariable`, `tan` unless named). */
  templateKey: TemplateKey;
  variables?: (recipient: Recipient) => Record<string, string>;
  codeVariable?: string;
  /** The caller's language choice; otherwise the person's. */
  language?: Language | undefined;
  lastLine?: string | undefined;
  /** What the step is, for the cooling-off refusal ("Binding a new device"). */
  what: string;
  /** For kinds whose cooling-off has a threshold (payments): whether this one is below it. */
  belowCoolingOffThreshold?: boolean;
  /** The refusal when the person has no verified number (each API words it its own way). */
  noVerifiedNumber: () => DomainError;
  /** Further refusals from what the read found (a full device list, say), before anything is spent. */
  refuse?: (recipient: Recipient) => Promise<void> | void;
  /** What the HMAC is taken over besides the code: the code's id, extended (a payment's digest). */
  hashedAs?: (codeId: string) => string;
  /**
   * Stores the pending code with the flow's record, after the SMS limits are taken and before the SMS leaves, so
   * that a code that arrives can always be answered. `codeId` is the code's own id (before `hashedAs`).
   */
  store: (code: PendingCode, codeId: string, to: MobileNumberRecord) => Promise<void>;
}

/**
 * Send a code to the person's verified number: the one path every code to a verified number takes (the verification
 * OTP of a number not verified yet is issued by the mobile number's own two-round-trip path, through the same
 * `issueCode` and SMS dispatcher).
 * 1. Read the person's number, language and cooling-off window in one read.
 * 2. The number must be verified (the flow's refusal); the flow's own refusals run on what was read.
 * 3. The policy table's cooling-off rule for the kind: refused during the window (403 `cooling_off_period`, naming
 *    when it ends), or refused at and above the payment threshold.
 * 4. Issue the code (lifetime from the policy table), bound to the flow's record and to the number record it goes to.
 * 5. Through the SMS dispatcher: take the SMS limits (429), store the code with the flow's record, send.
 */
export async function sendCode(
  rt: SendCodeDeps,
  request: SendCodeRequest,
): Promise<{ code: PendingCode; codeId: string; to: MobileNumberRecord; recipient: Recipient }> {
  const recipient = await rt.recipients.recipient(request.personId);
  const number = recipient.number;
  if (!number?.verified) throw request.noVerifiedNumber();
  await request.refuse?.(recipient);
  const now = rt.clock.now();
  refuseIfCoolingOff(request.kind, recipient.coolingOff, now, request.what, request.belowCoolingOffThreshold);
  const policy = POLICY[request.kind];

  const codeId = randomUUID();
  const issued = issueCode(
    request.kind,
    {
      to: number.number,
      boundTo: request.boundTo,
      now,
      pepper: await rt.pepper(),
      id: request.hashedAs ? request.hashedAs(codeId) : codeId,
      sentTo: number.id,
    },
    { ttlSeconds: policyValue(policy.lifetime, rt.config), sandboxEnabled: rt.config.sandboxEnabled },
  );
  await rt.sms.dispatch({
    to: number.number,
    personId: request.personId,
    templateKey: request.templateKey,
    language: request.language ?? recipient.language,
    variables: { ...(request.variables?.(recipient) ?? {}), [request.codeVariable ?? 'tan']: issued.code },
    lastLine: request.lastLine,
    beforeSend: () => request.store(issued.pending, codeId, number),
  });
  return { code: issued.pending, codeId, to: number, recipient };
}

/**
 * The cooling-off rule for a step that sends no code (a device-signed payment or change request): refused during the
 * window unless the kind has a threshold and the step is below it.
 */
export function refuseIfCoolingOff(
  kind: ChallengeKind,
  window: Recipient['coolingOff'],
  now: Date,
  what: string,
  belowThreshold = false,
): void {
  if (coolingOffApplies(kind, belowThreshold) && isCoolingOff(window, now))
    throw coolingOffPeriod(window, what);
}

/** Whether the policy table's cooling-off rule refuses this step while a window lasts. */
export function coolingOffApplies(kind: ChallengeKind, belowThreshold = false): boolean {
  const rule = POLICY[kind].coolingOff;
  return !(rule === 'allowed' || (rule === 'threshold' && belowThreshold));
}
