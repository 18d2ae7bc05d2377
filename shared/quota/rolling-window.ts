import { randomInt } from 'node:crypto';

/**
 * An exact rolling-window limit, as a rule on plain values: at most `limit` uses in any `windowMs`.
 *
 * The subject has one slot per allowed use, each holding the time of the use that last took it (0: never used). A
 * use claims a slot whose time is older than the window; the store makes that claim conditional on the slot still
 * being that old, so no two concurrent uses take the same slot and the count of recent slot times is exactly the
 * count of uses in the window. Concurrent uses pick a free slot at random, so they rarely collide; a collision reads
 * again.
 */
export interface WindowRule {
  limit: number;
  windowMs: number;
}

/** The time of the use holding each slot, by slot index (0 where a slot was never used). */
export type WindowUses = readonly number[];

/** One use planned: the slot to claim, claimable while its time is at most `cutoff`. */
export interface SlotClaim {
  slot: number;
  cutoff: number;
  at: number;
}

export type UsePlan = ({ allowed: true } & SlotClaim) | { allowed: false; retryAfterSeconds: number };

export function planUse(
  rule: WindowRule,
  uses: WindowUses,
  now: Date,
  pick: (count: number) => number = (count) => randomInt(0, count),
): UsePlan {
  const at = now.getTime();
  const cutoff = at - rule.windowMs;
  const slots = Array.from({ length: rule.limit }, (_, i) => uses[i] ?? 0);
  const free = slots.flatMap((time, index) => (time <= cutoff ? [index] : []));
  if (free.length === 0) {
    return { allowed: false, retryAfterSeconds: (Math.min(...slots) + rule.windowMs - at) / 1000 };
  }
  return { allowed: true, slot: free[pick(free.length)]!, cutoff, at };
}
