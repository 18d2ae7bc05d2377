import { randomUUID } from 'node:crypto';
import { tooManyRequests } from '../errors.ts';
import { type CodeCheckOutcome, metrics } from '../metrics.ts';
import { isSandboxNumber, SANDBOX_OTP } from '../mobile-number/phone-number.ts';
import { generateOtp, hashOtp, otpMatches } from '../otp/otp.ts';
import { acceptedPeppers, type PepperSource } from '../otp/pepper.ts';
import { planUse, type SlotClaim, type WindowUses } from '../quota/rolling-window.ts';
import { type ChallengeKind, type ChallengePolicy, POLICY } from '../sca/policy.ts';
import { openOtp, openOtpWithAny, sealOtp } from './code-seal.ts';

/**
 * Every one-time code the service issues and checks, and the one rule they are checked by.
 *
 * Kinds:
 * - `mobile_number`: the OTP of authorize and reauthorize (verification and 2FA), confirmed by /confirm and by the
 *   end-user `_verify`.
 * - `change_request`: the TAN that confirms a change request.
 * - `phone_removal`: the end-user code that removes a verified phone.
 * - `device_binding`: the OTP a new device key signs; kept sealed, since the signature is checked over it.
 * - `payment_authorization`: the TAN of a payment authorization by SMS, hashed together with the digest of the
 *   payment's terms (amount, currency, payee), so it checks only with exactly the terms it was sent with.
 *
 * A code is six digits (212212 for the sandbox number), stored only as an HMAC under the pepper (sealed for the
 * binding OTP) and bound to the record it was sent for. Each kind's HMAC has its own scope, so no code stands in for
 * another kind's.
 *
 * The rules per kind (lifetime, attempts, budget, factor, cooling-off) are the policy table's: shared/sca/policy.ts.
 *
 * The charging rule, the same for every kind (see `checkCode`): a check needs room in the person's daily code-check
 * budget (where the kind spends it) and a usable code (bound to this subject, unexpired, attempts left, and sent to a
 * factor the person still has). The answer
 * is compared first and told only once its outcome has committed: a wrong answer commits one attempt and one unit of
 * the budget; a right answer commits the code's use, the budget unit and the success itself, in one transaction.
 * A check whose commit fails because the code was used, burnt or replaced meanwhile changed nothing and is charged
 * nothing: of any number of concurrent right answers exactly one succeeds, and the others spend no budget.
 *
 * After a pepper rotation a check accepts the previous pepper for one OTP lifetime (shared/otp/pepper.ts), so a code
 * issued just before the rotation still checks. Every check of a typed code is counted (`CodeChecks` by outcome:
 * right, wrong, expired, burnt) and every refusal for a spent budget (`CodeCheckBudgetHits`).
 */
/** The kinds whose challenge is a code the service generates (the others are strings a bound key signs). */
export type CodeKind = Exclude<ChallengeKind, 'device_challenge' | 'device_payment'>;

/** The rows of the policy table (shared/sca/policy.ts) for code kinds. */
export const CODE_KINDS: Readonly<Record<CodeKind, ChallengePolicy>> = POLICY;

/** The daily code-check budget: checks of any code per person in any rolling 24 hours. */
export const BUDGET_WINDOW_MS = 24 * 3600_000;

/** A code waiting for its answer, as the stores keep it (never the code itself). */
export interface PendingCode {
  id: string;
  /** The record the code was sent for (a mobile number record, a change request); another never accepts it. */
  boundTo: string;
  /** The HMAC (hex), or the sealed code for sealed kinds. */
  secret: string;
  expiresAtMs: number;
  attempts: number;
  /** Set where a used code is kept (a binding challenge) rather than deleted. */
  used?: boolean;
  /**
   * The mobile number record the code was sent to, for kinds whose factor is the verified number: the code checks
   * only while that record is still the person's verified number. Absent on codes stored before this was kept.
   */
  sentTo?: string | undefined;
}

export interface IssuedCode {
  /** The code to send; never stored. */
  code: string;
  pending: PendingCode;
}

export interface CodeSettings {
  ttlSeconds: number;
  sandboxEnabled: boolean;
}

/**
 * Issue a code for `to` (the number the SMS goes to): the sandbox number always gets 212212, every other number six
 * random digits; only its HMAC (or seal) is kept.
 */
export function issueCode(
  kind: CodeKind,
  input: { to: string; boundTo: string; now: Date; pepper: Buffer; id?: string; sentTo?: string },
  settings: CodeSettings,
): IssuedCode {
  const code = isSandboxNumber(input.to, settings.sandboxEnabled) ? SANDBOX_OTP : generateOtp();
  const id = input.id ?? randomUUID();
  const rule = CODE_KINDS[kind];
  const secret =
    rule.stored === 'sealed' ? sealOtp(input.pepper, id, code) : hashOtp(input.pepper, rule.scope + id, code);
  return {
    code,
    pending: {
      id,
      boundTo: input.boundTo,
      secret,
      expiresAtMs: input.now.getTime() + settings.ttlSeconds * 1000,
      attempts: 0,
      ...(input.sentTo !== undefined ? { sentTo: input.sentTo } : {}),
    },
  };
}

/**
 * The code itself, for sealed kinds only (the binding OTP, to check a signature over it), opened under the first of
 * the given peppers that opens it (current first; after a rotation, the previous too).
 */
export function openCode(kind: CodeKind, peppers: Buffer | readonly Buffer[], pending: PendingCode): string {
  if (CODE_KINDS[kind].stored !== 'sealed') throw new Error(`${kind} codes are hashed, not sealed`);
  return Buffer.isBuffer(peppers)
    ? openOtp(peppers, pending.id, pending.secret)
    : openOtpWithAny(peppers as readonly Buffer[], pending.id, pending.secret);
}

/** Constant-time comparison of a given code with a hashed pending one, under any of the given peppers. */
export function codeMatches(
  kind: CodeKind,
  peppers: Buffer | readonly Buffer[],
  pending: PendingCode,
  given: string,
): boolean {
  const rule = CODE_KINDS[kind];
  if (rule.stored !== 'hash') throw new Error(`${kind} codes are sealed; check the signature over them`);
  const list: readonly Buffer[] = Buffer.isBuffer(peppers) ? [peppers] : (peppers as readonly Buffer[]);
  // Every accepted pepper is compared (no early exit), each comparison in constant time.
  return list
    .map((pepper) => otpMatches(pepper, rule.scope + pending.id, given, pending.secret))
    .some(Boolean);
}

/** The metric outcome of a code that could not be answered: none pending (or another record's) counts as wrong. */
const UNUSABLE_OUTCOME: Record<Unusable, CodeCheckOutcome> = {
  missing: 'wrong',
  used: 'burnt',
  expired: 'expired',
  burnt: 'burnt',
  factor_gone: 'burnt',
};

/** `factor_gone`: the number the code went to is no longer the person's verified number. */
export type Unusable = 'missing' | 'used' | 'expired' | 'burnt' | 'factor_gone';

/** Why a pending code cannot be answered now (none, sent for another record, used, expired, out of attempts). */
export function unusable(
  pending: PendingCode | undefined,
  at: { boundTo?: string | undefined; now: Date; maxAttempts: number },
): Unusable | undefined {
  if (!pending || (at.boundTo !== undefined && pending.boundTo !== at.boundTo)) return 'missing';
  if (pending.used) return 'used';
  if (pending.expiresAtMs <= at.now.getTime()) return 'expired';
  if (pending.attempts >= at.maxAttempts) return 'burnt';
  return undefined;
}

/** One unit of the daily budget, planned from the uses as read; committed with the check's outcome. */
export type BudgetCharge = SlotClaim;

/** The budget unit a check will commit, or 429 with Retry-After when the person's day is spent. */
export function planBudgetCharge(uses: WindowUses, checksPerDay: number, now: Date): BudgetCharge {
  const plan = planUse({ limit: checksPerDay, windowMs: BUDGET_WINDOW_MS }, uses, now);
  if (!plan.allowed) {
    metrics.codeCheckBudgetHit();
    throw tooManyRequests('Too many code checks for this person; try again later.', plan.retryAfterSeconds);
  }
  return plan;
}

/**
 * What a check's commit answered:
 * - `committed`: the outcome (a charged wrong answer, or the success) is stored;
 * - `code_changed`: the code was used, burnt, replaced or expired meanwhile; nothing was written;
 * - `budget_taken`: a concurrent check took the same budget slot, or a concurrent transaction outlasted the conflict
 *   retries; nothing was written, read again;
 * - `factor_gone`: the factor the code went to (the verified number record) changed meanwhile; nothing was written;
 * - any other name: a precondition of the success no longer holds (the store names it); nothing was written.
 */
export type CommitOutcome = 'committed' | 'code_changed' | 'budget_taken' | 'factor_gone' | (string & {});

/** What a check reads: the pending code, the budget's uses, and the record the code must be bound to. */
export interface CheckState {
  code: PendingCode | undefined;
  /** Absent for kinds that spend no budget. */
  budget?: WindowUses;
  /** The record the code must have been sent for (the person's current number record, the change request). */
  boundTo?: string;
  /**
   * For kinds whose factor is the verified number: the id of the person's verified number record as read now
   * (`null` when there is none). A port of such a kind must read it; its commit must condition on it.
   */
  verifiedNumber?: string | null;
}

/**
 * Whether the factor a code went to is still there (the policy's `factor`): for the verified number, the code must
 * have gone to the record that is the person's verified number now. A code stored before `sentTo` was kept checks
 * while the person has a verified number at all.
 */
function factorGone(rule: ChallengePolicy, code: PendingCode, state: CheckState): boolean {
  if (rule.factor !== 'verified_number') return false;
  if (state.verifiedNumber === undefined) throw new Error('this check must read the verified number');
  if (state.verifiedNumber === null) return true;
  return code.sentTo !== undefined && code.sentTo !== state.verifiedNumber;
}

export interface CheckPort<L extends CheckState> {
  /** One read of everything the check needs; it may refuse first (404 when the subject is gone, say). */
  load(): Promise<L>;
  /** Commits the outcome of the comparison with the budget unit, in one transaction. */
  commit(loaded: L, answer: 'right' | 'wrong', charge: BudgetCharge | undefined): Promise<CommitOutcome>;
}

export type CheckResult<L extends CheckState> =
  /** The right code; its use (and the success the port commits with it) is stored. */
  | { verdict: 'right'; loaded: L }
  /** A wrong code, charged. `attempts` counts the code's wrong answers including this one. */
  | { verdict: 'wrong'; loaded: L; attempts: number }
  /** No usable code: nothing was compared, nothing charged. */
  | { verdict: 'unusable'; reason: Unusable; loaded: L }
  /** The code changed between read and commit (a concurrent right answer used it, say): nothing charged. */
  | { verdict: 'lost_race'; loaded: L }
  /** The success's own precondition failed at commit (named by the port): nothing charged. */
  | { verdict: 'refused'; outcome: string; loaded: L };

export interface CheckSettings {
  maxAttempts: number;
  checksPerDay: number;
}

/** How often a check reads again after losing a budget slot to a concurrent check before it answers 429. */
const MAX_ROUNDS = 10;

/**
 * Check a given code under the charging rule above:
 * 1. Read the pending code, the budget and the code's subject (the port's one read).
 * 2. Plan one budget unit (429 when the day is spent), for kinds that spend the budget.
 * 3. An unusable code (none, another record's, expired, burnt, sent to a number the person no longer has) answers
 *    `unusable`, uncharged.
 * 4. Compare in constant time (or let `matches` check a signature over a sealed code).
 * 5. Commit the outcome with the budget unit; answer it only once it committed. A lost budget slot reads again.
 */
export async function checkCode<L extends CheckState>(
  kind: CodeKind,
  port: CheckPort<L>,
  check: {
    given: string;
    now: () => Date;
    /** The OTP pepper; a check accepts each of its accepted peppers (current, and previous within one lifetime). */
    pepper: PepperSource;
    /** For sealed kinds: whether the answer proves the code (a signature over it, by a key the state names). */
    matches?: (code: string, loaded: L) => boolean;
  },
  settings: CheckSettings,
): Promise<CheckResult<L>> {
  const rule = CODE_KINDS[kind];
  const count = (outcome: CodeCheckOutcome) => {
    if (rule.counted) metrics.codeCheck(outcome);
  };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const loaded = await port.load();
    const now = check.now();
    const charge = rule.spendsBudget
      ? planBudgetCharge(loaded.budget ?? [], settings.checksPerDay, now)
      : undefined;
    const reason =
      unusable(loaded.code, { boundTo: loaded.boundTo, now, maxAttempts: settings.maxAttempts }) ??
      (factorGone(rule, loaded.code!, loaded) ? 'factor_gone' : undefined);
    if (reason) {
      count(UNUSABLE_OUTCOME[reason]);
      return { verdict: 'unusable', reason, loaded };
    }
    const code = loaded.code!;
    const peppers = await acceptedPeppers(check.pepper);
    const right =
      rule.stored === 'sealed'
        ? (check.matches?.(openCode(kind, peppers, code), loaded) ?? false)
        : codeMatches(kind, peppers, code, check.given);
    const outcome = await port.commit(loaded, right ? 'right' : 'wrong', charge);
    if (outcome === 'budget_taken') continue;
    if (outcome === 'factor_gone') {
      count('burnt');
      return { verdict: 'unusable', reason: 'factor_gone', loaded };
    }
    if (outcome === 'code_changed') {
      // Used, burnt or replaced meanwhile: nothing was charged.
      count('burnt');
      return { verdict: 'lost_race', loaded };
    }
    count(right ? 'right' : 'wrong');
    if (outcome !== 'committed') return { verdict: 'refused', outcome, loaded };
    return right ? { verdict: 'right', loaded } : { verdict: 'wrong', loaded, attempts: code.attempts + 1 };
  }
  throw tooManyRequests('Too many concurrent requests for this person; try again.', 1);
}
