import { DomainError } from '../errors.ts';
import { CALLING_CODES } from '../sms/calling-codes.ts';
import { SMS_TEMPLATES, type TemplateKey } from '../sms/templates.ts';
import type { ProtectionLevel } from './settings.ts';

/**
 * The fraud guard against SMS pumping (artificially inflated traffic): fraudsters make a service send codes to number
 * ranges that pay them per message. Two defences, both before a code SMS leaves:
 *
 * 1. Caps per requester (a partner client, or the end-user API as a whole) per clock hour and per UTC day, and one
 *    global cap per clock hour set below the SNS spend limit. They bound what any attack costs, however it spreads.
 * 2. The prefix guard. A destination prefix is the calling code plus the leading national digits (`+44 7700`). Per
 *    prefix, verification SMS sent and numbers verified are counted in 5-minute slots. The signal is the number of
 *    unconverted codes: sent in the last 10 to 15 minutes and not confirmed. Real customers confirm within a minute or
 *    two, so a real prefix holds only a few unconverted codes at a time, in proportion to its own traffic; a pumped
 *    prefix is never confirmed, because the fraudster earns on delivery, not on verification. A prefix is blocked
 *    when its unconverted codes reach its allowance: the level's floor, or a multiple of the prefix's own baseline
 *    (its largest unconverted count in any 15 minutes of an hour that converted well), whichever is higher. The
 *    baseline learns only from hours in which at least MIN_CONVERSION of the codes were confirmed, so an attacker who
 *    never confirms cannot teach the guard a larger allowance; it decays slowly (BASELINE_DECAY per hour) when the
 *    prefix is quiet. A block expires on its own after the level's block time; an operator can lift it earlier.
 *
 * The prefix guard watches verification SMS only (`sms.mobile_number.verify_number`): pumping needs fresh numbers,
 * and a fresh number reaches the service only through verification. Codes to verified numbers (2FA, TANs, payment
 * codes) count against the caps but are never blocked by prefix: their owners proved the number, and a block must
 * not refuse a real customer's payment. Notices (SMS that tell of a change already made) are never guarded at all: the
 * change stands, and the person must learn of it.
 */

export type { FraudGuardSettings, ProtectionLevel } from './settings.ts';

export interface LevelRule {
  /** Unconverted codes a prefix may hold whatever its history (the allowance of a prefix with none). */
  floor: number;
  /** The allowance as a multiple of the prefix's baseline, where that is above the floor. */
  multiplier: number;
  /** How long a block lasts unless an operator lifts it. */
  blockMs: number;
}

const MINUTE = 60_000;

/** The thresholds of each level. Never shown to callers: a refusal names its reason only. */
export const LEVEL_RULES: Record<Exclude<ProtectionLevel, 'off'>, LevelRule> = {
  basic: { floor: 30, multiplier: 6, blockMs: 15 * MINUTE },
  standard: { floor: 10, multiplier: 4, blockMs: 60 * MINUTE },
  max: { floor: 5, multiplier: 3, blockMs: 240 * MINUTE },
};

export const SLOT_MS = 5 * MINUTE;
export const SLOTS_PER_HOUR = 12;
/** The current slot and the two before it: the last 10 to 15 minutes. */
export const WINDOW_SLOTS = 3;
export const HOUR_MS = 60 * MINUTE;
export const DAY_MS = 24 * HOUR_MS;
/** An hour teaches the baseline only when at least this share of its codes was confirmed. */
export const MIN_CONVERSION = 0.6;
/** The baseline's decay per hour without learning (a half-life of about a day). */
export const BASELINE_DECAY = 0.97;
/** How many items each counter is spread over, so that one prefix (or client) taking all traffic has no hot item. */
export const SHARDS = 4;

/** The template of a verification code: the prefix guard counts and may block these. */
export const VERIFICATION_TEMPLATE: TemplateKey = 'sms.mobile_number.verify_number';

/** Whether an SMS carries a one-time code (caps apply) rather than telling of a change already made (never held). */
export const carriesCode = (templateKey: TemplateKey): boolean => 'otpVariable' in SMS_TEMPLATES[templateKey];

/**
 * The destination prefix of an E.164 number: its calling code and the leading national digits (six under +1, where
 * area code and exchange name a range; four elsewhere, which names an operator's block of a million or fewer
 * numbers), as digits without `+`: `+447700900123` -> `447700`.
 */
export function prefixOf(number: string): string {
  const digits = number.replace(/\D/g, '');
  for (const length of [1, 2, 3]) {
    if (!CALLING_CODES[digits.slice(0, length)]) continue;
    const leading = digits.slice(0, length) === '1' ? 6 : 4;
    return digits.slice(0, length + leading);
  }
  return digits.slice(0, 6);
}

/** A global 5-minute slot number, and the hour it falls in. */
export const slotOf = (ms: number) => Math.floor(ms / SLOT_MS);
export const hourOf = (ms: number) => Math.floor(ms / HOUR_MS);
export const dayOf = (ms: number) => Math.floor(ms / DAY_MS);

/** One hour of a prefix's counters, summed over its shards: SMS sent and codes confirmed per 5-minute slot. */
export interface HourCounts {
  sent: number[];
  confirmed: number[];
}

export const emptyHour = (): HourCounts => ({
  sent: Array(SLOTS_PER_HOUR).fill(0),
  confirmed: Array(SLOTS_PER_HOUR).fill(0),
});

/** What the guard keeps per prefix besides its counters. */
export interface PrefixProfile {
  /** The learned baseline: unconverted codes in 15 minutes of a well-converting hour. */
  baseline: number;
  /** The last hour whose counts the baseline has learned from (hour number since the epoch). */
  learnedHour: number;
  /** While the block lasts (ms since the epoch); 0 when not blocked. */
  blockedUntilMs: number;
  blockId?: string | undefined;
  /** After a lift: the unconverted codes the operator accepted, and until when they are discounted. */
  liftOffset: number;
  liftedUntilMs: number;
}

export const emptyProfile = (): PrefixProfile => ({
  baseline: 0,
  learnedHour: 0,
  blockedUntilMs: 0,
  liftOffset: 0,
  liftedUntilMs: 0,
});

/** Unconverted codes in the window ending at `nowMs`, from the current and the previous hour's counts. */
export function unconvertedAt(nowMs: number, current: HourCounts, previous: HourCounts): number {
  const slot = slotOf(nowMs);
  const hour = hourOf(nowMs);
  let total = 0;
  for (let back = 0; back < WINDOW_SLOTS; back++) {
    const s = slot - back;
    const counts = Math.floor(s / SLOTS_PER_HOUR) === hour ? current : previous;
    const index = s - Math.floor(s / SLOTS_PER_HOUR) * SLOTS_PER_HOUR;
    total += counts.sent[index]! - counts.confirmed[index]!;
  }
  return Math.max(0, total);
}

/** What a finished hour teaches: its largest unconverted count in a window, when the hour converted well. */
export function lessonOf(hour: HourCounts): number | undefined {
  const sent = hour.sent.reduce((a, b) => a + b, 0);
  const confirmed = hour.confirmed.reduce((a, b) => a + b, 0);
  if (sent === 0 || confirmed / sent < MIN_CONVERSION) return undefined;
  let peak = 0;
  for (let end = WINDOW_SLOTS - 1; end < SLOTS_PER_HOUR; end++) {
    let window = 0;
    for (let i = end - WINDOW_SLOTS + 1; i <= end; i++) window += hour.sent[i]! - hour.confirmed[i]!;
    peak = Math.max(peak, window);
  }
  return peak;
}

/** The baseline as of `hour`, decayed for the hours since it last learned. */
export const baselineAt = (profile: PrefixProfile, hour: number): number =>
  profile.baseline * BASELINE_DECAY ** Math.max(0, hour - profile.learnedHour - 1);

/** The profile after learning from the hour before `hour` (its counts), or undefined when it has already. */
export function learn(profile: PrefixProfile, hour: number, previous: HourCounts): PrefixProfile | undefined {
  if (profile.learnedHour >= hour - 1) return undefined;
  const decayed = baselineAt(profile, hour);
  const lesson = lessonOf(previous);
  return { ...profile, baseline: Math.max(decayed, lesson ?? 0), learnedHour: hour - 1 };
}

/** How many unconverted codes the prefix may hold at this level. */
export const allowanceOf = (rule: LevelRule, baseline: number): number =>
  Math.max(rule.floor, Math.ceil(rule.multiplier * baseline));

export type Verdict =
  | { admit: true }
  | { admit: false; reason: 'blocked'; untilMs: number }
  | { admit: false; reason: 'anomalous'; unconverted: number };

/**
 * The prefix rule: a prefix under a block refuses; one whose unconverted codes (less what an operator accepted with a
 * lift) have reached its allowance is to be blocked now; any other admits.
 */
export function judge(
  rule: LevelRule,
  profile: PrefixProfile,
  counts: { current: HourCounts; previous: HourCounts },
  nowMs: number,
): Verdict {
  if (profile.blockedUntilMs > nowMs)
    return { admit: false, reason: 'blocked', untilMs: profile.blockedUntilMs };
  const raw = unconvertedAt(nowMs, counts.current, counts.previous);
  const unconverted = profile.liftedUntilMs > nowMs ? Math.max(0, raw - profile.liftOffset) : raw;
  const allowance = allowanceOf(rule, baselineAt(profile, hourOf(nowMs)));
  return unconverted >= allowance ? { admit: false, reason: 'anomalous', unconverted } : { admit: true };
}

/** A prefix block as the operator API shows it. */
export interface PrefixBlock {
  id: string;
  /** Digits without `+`: calling code and leading national digits. */
  prefix: string;
  country: string;
  level: ProtectionLevel;
  blockedAt: string;
  expiresAt: string;
}

// Refusals name their reason and never a threshold, a count or a block's end: a caller must not be able to tune an
// attack to stay just under the rule.

/** The prefix of this number is blocked. */
export const destinationBlocked = () =>
  new DomainError(
    403,
    'sms_destination_blocked',
    'SMS Destination Blocked',
    'SMS to this number range are paused because its traffic looks like SMS pumping; try again later or contact support.',
  );

/** The requester's own hourly or daily cap is spent. */
export const requesterCapReached = (retryAfterSeconds: number) =>
  new DomainError(
    429,
    'sms_cap_reached',
    'SMS Cap Reached',
    'This client has sent as many SMS as it may in this period; try again later.',
    { headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) } },
  );

/** The service-wide hourly cap is spent: new SMS are paused for everyone until the hour ends. */
export const smsPaused = (retryAfterSeconds: number) =>
  new DomainError(
    503,
    'sms_paused',
    'SMS Paused',
    'The service has paused new SMS for a while to protect it against abuse; try again later.',
    { headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) } },
  );
