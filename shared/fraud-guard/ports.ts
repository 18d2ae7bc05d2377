import type { DomainEvent } from '../events/event.ts';
import type { HourCounts, PrefixBlock, PrefixProfile } from './model.ts';

/** What the guard reads of one prefix before it admits a verification SMS to it. */
export interface PrefixState {
  profile: PrefixProfile;
  current: HourCounts;
  previous: HourCounts;
  /** Whether the previous hour has any counts (else there is nothing to learn from it). */
  previousSeen: boolean;
}

/** Where the guard keeps its counters, profiles and blocks. */
export interface FraudGuardStore {
  /** The prefix's profile and its counts of the hour of `nowMs` and the hour before, in one read. */
  readPrefix(prefix: string, nowMs: number): Promise<PrefixState>;
  /** Adds one to the prefix's count of SMS sent or codes confirmed in the slot of `nowMs` (one shard of it). */
  count(prefix: string, what: 'sent' | 'confirmed', nowMs: number): Promise<void>;
  /** Stores what the profile learned, unless a concurrent request learned the same hour first. */
  saveLesson(prefix: string, profile: PrefixProfile): Promise<void>;
  /** Blocks the prefix and records the event, in one transaction; false when it was blocked already. */
  block(block: PrefixBlock, untilMs: number, event: DomainEvent, nowMs: number): Promise<boolean>;
  /** The blocks that have not expired, by prefix. */
  listBlocks(nowMs: number): Promise<PrefixBlock[]>;
  /**
   * Lifts a live block and records the event, in one transaction: `offset` unconverted codes are accepted until
   * `liftedUntilMs`, so the counts that caused the block do not block the prefix again at once. False when the prefix
   * was not blocked.
   */
  lift(
    prefix: string,
    offset: number,
    liftedUntilMs: number,
    event: DomainEvent,
    nowMs: number,
  ): Promise<boolean>;
  /**
   * Takes one unit of a capped counter (`name` includes its window), spread over shards that share the cap; answers
   * the shard taken, or undefined when every shard is full.
   */
  take(name: string, cap: number, expiresAtMs: number): Promise<number | undefined>;
  /** Gives back a unit taken (when a later cap refused the same SMS). */
  giveBack(name: string, shard: number): Promise<void>;
}
