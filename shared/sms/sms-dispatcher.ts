import { DomainError, tooManyRequests } from '../http/errors.ts';
import { logger } from '../logging.ts';
import { isSandboxNumber } from '../mobile-number/phone-number.ts';
import type { RollingLimit } from '../quota/rolling-limit.ts';
import type { SmsQuotaStore } from '../quota/sms-quota-store.ts';
import { renderSms } from './render.ts';
import type { SmsSender } from './sms-port.ts';
import type { Language, TemplateKey } from './templates.ts';

export interface DispatchRequest {
  to: string;
  /** The person the SMS is for: their own hourly SMS limit applies besides the number's. */
  personId: string;
  templateKey: TemplateKey;
  language: Language;
  variables: Record<string, string>;
  /** Appended as the SMS's own last line, e.g. an Android SMS Retriever app hash. */
  lastLine?: string | undefined;
  /** Runs after the quota is taken and before the SMS leaves, e.g. to store the OTP the SMS carries. */
  beforeSend?: () => Promise<void>;
}

/**
 * Every SMS the service sends goes through here, so that every one counts against the limits.
 * 1. Render the text (a missing variable fails before anything is spent).
 * 2. The sandbox number stops here: nothing is counted or sent.
 * 3. Take one unit of the person's hourly SMS limit, then one of the number's hourly quota (429 with Retry-After
 *    when either is spent). The person's limit is lower than the number's, so no single person (an end user typing
 *    someone else's number, say) can use up the quota a number's real owner needs.
 * 4. Run `beforeSend`, then hand the SMS to the sender; a sender failure is reported, never swallowed.
 */
export class SmsDispatcher {
  constructor(
    private readonly sender: SmsSender,
    private readonly quota: SmsQuotaStore,
    private readonly personLimit: RollingLimit,
    private readonly sandboxEnabled: boolean,
    private readonly now: () => Date,
  ) {}

  async dispatch(request: DispatchRequest): Promise<void> {
    const rendered = renderSms(request.templateKey, request.language, request.variables);
    const text = request.lastLine ? `${rendered}\n${request.lastLine}` : rendered;
    if (isSandboxNumber(request.to, this.sandboxEnabled)) {
      await request.beforeSend?.();
      return;
    }
    const personal = await this.personLimit.take(request.personId, this.now());
    if (!personal.allowed) {
      throw tooManyRequests('The SMS limit for this person is reached.', personal.retryAfterSeconds);
    }
    const decision = await this.quota.consume(request.to, this.now());
    if (!decision.allowed) {
      throw tooManyRequests('The SMS limit for this mobile number is reached.', decision.retryAfterSeconds);
    }
    await request.beforeSend?.();
    try {
      await this.sender.send({
        to: request.to,
        text,
        language: request.language,
        templateKey: request.templateKey,
      });
    } catch (error) {
      logger.error('sms delivery failed', {
        template_key: request.templateKey,
        // The provider's message may quote the phone number: log only the error's name.
        error: error instanceof Error ? error.name : 'unknown',
      });
      throw new DomainError(
        502,
        'sms_delivery_failed',
        'SMS Delivery Failed',
        'The SMS could not be sent; retry.',
      );
    }
  }
}
