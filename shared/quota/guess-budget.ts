import { tooManyRequests } from '../http/errors.ts';
import { metrics } from '../metrics.ts';
import type { DocumentClient, Item, ItemKey, TransactUpdate } from '../storage/dynamo.ts';
import { RollingLimit } from './rolling-limit.ts';

const spent = (retryAfterSeconds: number) => {
  metrics.codeCheckBudgetHit();
  return tooManyRequests('Too many code checks for this person; try again later.', retryAfterSeconds);
};

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

  /** The item of the person's budget, for use cases that read it together with other items. */
  key(personId: string): ItemKey {
    return this.limit.key(personId);
  }

  /** From the budget item as read: the write that charges one check (to commit with the check), or 429. */
  plan(personId: string, item: Item | undefined, now: Date): TransactUpdate {
    const plan = this.limit.plan(personId, item, now);
    if (!plan.allowed) throw spent(plan.retryAfterSeconds);
    return plan.update;
  }

  /** Charges one check to the person, or answers 429 with Retry-After when the day's budget is spent. */
  async charge(personId: string, now: Date): Promise<void> {
    const decision = await this.limit.take(personId, now);
    if (!decision.allowed) throw spent(decision.retryAfterSeconds);
  }
}
