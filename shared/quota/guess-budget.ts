import type { BudgetCharge } from '../codes/one-time-code.ts';
import type { DocumentClient, Item, ItemKey, TxPart } from '../storage/dynamo.ts';
import { RollingLimit } from './dynamo-rolling-limit.ts';
import type { WindowUses } from './rolling-window.ts';

/**
 * The DynamoDB side of a person's daily code-check budget (the rule is in codes/one-time-code.ts): its item is read
 * with a check's other items, and a check's charge commits in the check's own transaction.
 */
export class GuessBudget {
  private readonly limit: RollingLimit;

  constructor(db: DocumentClient, tableName: string, checksPerDay: number) {
    this.limit = new RollingLimit(db, tableName, 'CODE_CHECKS', checksPerDay, 24 * 3600_000);
  }

  /** The item of the person's budget, for stores that read it together with other items. */
  key(personId: string): ItemKey {
    return this.limit.key(personId);
  }

  usesIn(item: Item | undefined): WindowUses {
    return this.limit.usesIn(item);
  }

  /** The transaction item that charges one check (it fails when a concurrent check took the same slot). */
  charge(personId: string, charge: BudgetCharge): TxPart {
    return { name: 'budget', item: { Update: this.limit.claim(personId, charge) } };
  }
}
