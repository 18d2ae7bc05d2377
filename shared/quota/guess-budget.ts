import { tooManyRequests } from '../http/errors.ts';
import type { DocumentClient } from '../storage/dynamo.ts';
import { RollingLimit } from './rolling-limit.ts';

/**
 * A person's budget of one-time-code checks (OTPs, TANs, removal codes) in any rolling 24 hours, charged before each
 * check. The per-code attempt limit alone is not enough: every new code starts with fresh attempts, so a caller who
 * keeps requesting codes would get 5 guesses per SMS, 300 an hour. With this budget a six-digit code resists
 * guessing whatever the number of codes requested.
 */
export class GuessBudget {
  private readonly limit: RollingLimit;

  constructor(db: DocumentClient, tableName: string, checksPerDay: number) {
    this.limit = new RollingLimit(db, tableName, 'CODE_CHECKS', checksPerDay, 24 * 3600_000);
  }

  /** Charges one check to the person, or answers 429 with Retry-After when the day's budget is spent. */
  async charge(personId: string, now: Date): Promise<void> {
    const decision = await this.limit.take(personId, now);
    if (!decision.allowed) {
      throw tooManyRequests(
        'Too many code checks for this person; try again later.',
        decision.retryAfterSeconds,
      );
    }
  }
}
