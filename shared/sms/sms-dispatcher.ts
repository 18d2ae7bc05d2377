import { requireTimeFor } from '../deadline.ts';
import { DomainError, tooManyRequests } from '../errors.ts';
import { errorFields, logger } from '../logging.ts';
import { metrics } from '../metrics.ts';
import { isSandboxNumber } from '../mobile-number/phone-number.ts';
import type { RollingLimit } from '../quota/dynamo-rolling-limit.ts';
import type { SmsQuotaStore } from '../quota/sms-quota-store.ts';
import {
  type DocumentClient,
  type Item,
  type ItemKey,
  readItems,
  type TransactUpdate,
  type TxPart,
  tx,
} from '../storage/dynamo.ts';
import { renderSms } from './render.ts';
import { checkSmsDestination, countryOf } from './sms-countries.ts';
import type {
  DispatchRequest,
  PreparedSms,
  SmsDispatch,
  SmsLimits,
  SmsMessage,
  SmsSender,
} from './sms-port.ts';
import type { TemplateKey } from './templates.ts';

export type { DispatchRequest, PreparedSms, SmsLimits } from './sms-port.ts';

/**
 * The time an SMS send is given: an SNS Publish usually answers within a few hundred milliseconds. A request with less
 * left before its deadline sends nothing (503, Retry-After), so no SMS leaves after its request was answered.
 */
export const SMS_SEND_BUDGET_MS = 1000;

/** Thrown when a limit's slot was taken by a concurrent request between the read and the write: read again. */
export class LimitSlotTaken extends Error {
  constructor() {
    super('a concurrent request took the same limit slot');
  }
}

const MAX_ROUNDS = 10;

/** The fraud guard as the dispatcher sees it (shared/fraud-guard/): admits code SMS, hears of conversions. */
export interface SmsAdmission {
  admit(sms: { to: string; templateKey: TemplateKey }): Promise<void>;
  confirmed(number: string): Promise<void>;
}

/**
 * Every SMS the service sends goes through here, so that every one counts against the limits: at most so many per
 * person and per number in any rolling hour. The person's limit is lower than the number's, so no single person (an
 * end user typing someone else's number, say) can use up the quota a number's real owner needs.
 *
 * Two ways to use it:
 * - A use case that reads items of its own reads `limitKeys` in the same BatchGetItem, calls `prepare` with what it
 *   read, commits `writes` in its own transaction and then calls `send`: two DynamoDB round trips in all.
 * - `dispatch` does all of that for callers with nothing else to read.
 */
export class SmsDispatcher implements SmsDispatch {
  constructor(
    private readonly sender: SmsSender,
    private readonly db: DocumentClient,
    private readonly tableName: string,
    private readonly quota: SmsQuotaStore,
    private readonly personLimit: RollingLimit,
    private readonly sandboxEnabled: boolean,
    private readonly now: () => Date,
    private readonly countries: ReadonlySet<string> | 'all' = 'all',
    private readonly guard?: SmsAdmission,
  ) {}

  /** The items the two limits of this SMS live in (the person's, then the number's): for stores' batch reads. */
  limitKeys(to: string, personId: string): ItemKey[] {
    return [this.personLimit.key(personId), this.quota.limit.key(to)];
  }

  /** The limits in the items read at `limitKeys`, in that order. */
  limitsIn(items: Array<Item | undefined>): SmsLimits {
    return { person: this.personLimit.usesIn(items[0]), number: this.quota.limit.usesIn(items[1]) };
  }

  /**
   * 1. Render the text (a missing variable fails before anything is spent).
   * 2. The sandbox number stops here: nothing is counted or sent.
   * 3. From the limits as read, plan one use of each; 429 with Retry-After when either is spent.
   */
  prepare(request: Omit<DispatchRequest, 'beforeSend'>, limits: SmsLimits): PreparedSms {
    const rendered = renderSms(request.templateKey, request.language, request.variables);
    const message: SmsMessage = {
      to: request.to,
      text: request.lastLine ? `${rendered}\n${request.lastLine}` : rendered,
      language: request.language,
      templateKey: request.templateKey,
      personId: request.personId,
    };
    if (isSandboxNumber(request.to, this.sandboxEnabled)) return { message, writes: [] };
    const country = checkSmsDestination(request.to, this.countries);
    const now = this.now();
    const personal = this.personLimit.planFrom(request.personId, limits.person, now);
    if (!personal.allowed) {
      metrics.smsRefused('quota', country);
      throw tooManyRequests('The SMS limit for this person is reached.', personal.retryAfterSeconds);
    }
    const numbers = this.quota.limit.planFrom(request.to, limits.number, now);
    if (!numbers.allowed) {
      metrics.smsRefused('quota', country);
      throw tooManyRequests('The SMS limit for this mobile number is reached.', numbers.retryAfterSeconds);
    }
    return { message, writes: [personal.update, numbers.update] };
  }

  /** The transaction items that charge a prepared SMS to its limits (none for the sandbox number). */
  claims(prepared: PreparedSms): TxPart[] {
    return prepared.writes.map((update, index) => ({ name: `sms_limit_${index}`, item: { Update: update } }));
  }

  /**
   * The fraud guard's admission (shared/fraud-guard/): a code SMS may be refused (403, 429, 503); notices pass.
   * `dispatch` admits after charging the limits and before the code is stored; `send` admits what was not admitted
   * yet, so every SMS passes it.
   */
  async admit(prepared: PreparedSms): Promise<void> {
    if (prepared.admitted || isSandboxNumber(prepared.message.to, this.sandboxEnabled)) return;
    await this.guard?.admit(prepared.message);
    prepared.admitted = true;
  }

  /**
   * Hands a prepared SMS to the sender; a sender failure is reported (502), never swallowed. With less than
   * SMS_SEND_BUDGET_MS left before the invocation's deadline it sends nothing and answers 503 (shared/deadline.ts).
   */
  async send(prepared: PreparedSms): Promise<void> {
    if (isSandboxNumber(prepared.message.to, this.sandboxEnabled)) return;
    requireTimeFor(SMS_SEND_BUDGET_MS, 'send the SMS');
    await this.admit(prepared);
    const country = countryOf(prepared.message.to) ?? 'unknown';
    try {
      await this.sender.send(prepared.message);
      metrics.smsSent(prepared.message.templateKey, country);
    } catch (error) {
      metrics.smsProviderFailure(country);
      // The provider's message may quote the phone number: the logger masks it.
      logger.error('sms delivery failed', {
        status: 'provider_failed',
        template_key: prepared.message.templateKey,
        country,
        error: errorFields(error),
      });
      throw new DomainError(
        502,
        'sms_delivery_failed',
        'SMS Delivery Failed',
        'The SMS could not be sent; retry.',
      );
    }
  }

  /** A code sent to `number` was confirmed (the fraud guard counts the conversion; never throws). */
  async confirmed(number: string): Promise<void> {
    if (!isSandboxNumber(number, this.sandboxEnabled)) await this.guard?.confirmed(number);
  }

  /** Reads the limits, charges both in one transaction, runs `beforeSend`, sends. */
  async dispatch(request: DispatchRequest): Promise<void> {
    // Checked before the limits are charged too, so a request refused for time costs the person nothing.
    requireTimeFor(SMS_SEND_BUDGET_MS, 'send the SMS');
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const items = await readItems(this.db, this.tableName, this.limitKeys(request.to, request.personId));
      const prepared = this.prepare(request, this.limitsIn(items));
      try {
        await this.commitWrites(prepared.writes);
      } catch (error) {
        if (error instanceof LimitSlotTaken) continue;
        throw error;
      }
      // After the limits (a refused SMS counts against them, as an attempt) and before the code is stored, so a refusal
      // leaves the person's pending code as it was; not between the read and the commit, which would widen the race.
      await this.admit(prepared);
      await request.beforeSend?.();
      await this.send(prepared);
      return;
    }
    throw tooManyRequests('The SMS limits are contended; try again.', 1);
  }

  private async commitWrites(writes: TransactUpdate[]): Promise<void> {
    const failed = await tx(this.db, this.tableName)
      .add(...this.claims({ writes } as PreparedSms))
      .commit();
    if (failed.size > 0) throw new LimitSlotTaken();
  }
}
