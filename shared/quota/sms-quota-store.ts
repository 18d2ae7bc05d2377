import type { DocumentClient } from '../storage/dynamo.ts';
import { type LimitDecision, RollingLimit } from './dynamo-rolling-limit.ts';

export type QuotaDecision = LimitDecision;

/**
 * At most `limitPerHour` SMS per phone number in any rolling hour (see RollingLimit for how it stays exact under
 * concurrency). Counted per number, not per person: the quota protects the phone and the SMS bill.
 */
export class SmsQuotaStore {
  readonly limit: RollingLimit;

  constructor(db: DocumentClient, tableName: string, limitPerHour: number) {
    this.limit = new RollingLimit(db, tableName, 'SMS_QUOTA', limitPerHour, 3600_000);
  }

  consume(number: string, now: Date): Promise<QuotaDecision> {
    return this.limit.take(number, now);
  }
}
