import { randomUUID } from 'node:crypto';
import { currentRequester } from '../auth/requester.ts';
import { notFound } from '../errors.ts';
import { buildEvent } from '../events/event.ts';
import { SmsPrefixBlocked, SmsPrefixBlockLifted } from '../events/fraud-events.ts';
import { errorFields, logger } from '../logging.ts';
import { metrics } from '../metrics.ts';
import { countryOf } from '../sms/sms-countries.ts';
import type { TemplateKey } from '../sms/templates.ts';
import {
  carriesCode,
  DAY_MS,
  dayOf,
  destinationBlocked,
  type FraudGuardSettings,
  HOUR_MS,
  hourOf,
  judge,
  LEVEL_RULES,
  learn,
  type PrefixBlock,
  prefixOf,
  requesterCapReached,
  SLOT_MS,
  smsPaused,
  unconvertedAt,
  VERIFICATION_TEMPLATE,
  WINDOW_SLOTS,
} from './model.ts';
import type { FraudGuardStore } from './ports.ts';

const countryOfPrefix = (prefix: string) => countryOf(`+${prefix}`) ?? 'unknown';

interface Cap {
  name: string;
  limit: number;
  endsAtMs: number;
  scope: 'client' | 'global';
}

/**
 * The fraud guard's admission of SMS and its record of conversions (the rule: shared/fraud-guard/model.ts). One per
 * function; it remembers caps it found full until their window ends, so a refused flood costs no writes.
 */
export class FraudGuard {
  private readonly full = new Map<string, number>();

  constructor(
    private readonly store: FraudGuardStore,
    private readonly settings: FraudGuardSettings,
    private readonly now: () => Date,
  ) {}

  /**
   * Admits one SMS before it leaves, or refuses it:
   * 1. A notice passes untouched; only SMS carrying a code are guarded.
   * 2. A verification SMS: read its prefix (profile and counts, one read); learn from the previous hour once. A
   *    blocked prefix refuses (403); one whose unconverted codes reached its allowance is blocked now, with its event,
   *    metric and log line, and refuses.
   * 3. Take one unit of the requester's hourly cap, its daily cap and the global hourly cap, together; when one is
   *    full, give back what the others took (a refused SMS spends no cap) and refuse (429 for the requester's caps,
   *    503 for the global one).
   * 4. A verification SMS counts as sent in its prefix.
   */
  async admit(sms: { to: string; templateKey: TemplateKey }, requester = currentRequester()): Promise<void> {
    if (!carriesCode(sms.templateKey)) return;
    const nowMs = this.now().getTime();
    const guarded = this.settings.level !== 'off' && sms.templateKey === VERIFICATION_TEMPLATE;
    const prefix = prefixOf(sms.to);
    if (guarded) await this.judgePrefix(prefix, nowMs);
    await this.takeCaps(this.capsFor(requester, nowMs), nowMs);
    if (guarded) await this.store.count(prefix, 'sent', nowMs);
  }

  /**
   * A code sent to `number` was confirmed: the prefix converts. Counted after the confirmation has committed, and
   * never at its expense: a failure here is logged, the confirmation stands.
   */
  async confirmed(number: string): Promise<void> {
    if (this.settings.level === 'off') return;
    try {
      await this.store.count(prefixOf(number), 'confirmed', this.now().getTime());
    } catch (error) {
      logger.warn('fraud guard conversion not counted', { status: 'not_counted', error: errorFields(error) });
    }
  }

  private async judgePrefix(prefix: string, nowMs: number): Promise<void> {
    const rule = LEVEL_RULES[this.settings.level as keyof typeof LEVEL_RULES];
    const state = await this.store.readPrefix(prefix, nowMs);
    const learned = state.previousSeen ? learn(state.profile, hourOf(nowMs), state.previous) : undefined;
    if (learned) await this.store.saveLesson(prefix, learned);
    const verdict = judge(rule, learned ?? state.profile, state, nowMs);
    if (verdict.admit) return;
    const country = countryOfPrefix(prefix);
    if (verdict.reason === 'anomalous') {
      const blockedAt = new Date(nowMs);
      const until = nowMs + rule.blockMs;
      const block: PrefixBlock = {
        id: randomUUID(),
        prefix,
        country,
        level: this.settings.level,
        blockedAt: blockedAt.toISOString(),
        expiresAt: new Date(until).toISOString(),
      };
      const event = buildEvent(
        SmsPrefixBlocked,
        {
          id: block.id,
          prefix,
          country,
          level: block.level,
          blocked_at: block.blockedAt,
          expires_at: block.expiresAt,
        },
        blockedAt,
      );
      if (await this.store.block(block, until, event, nowMs)) {
        metrics.smsPrefixBlocked(country);
        logger.warn('sms prefix blocked', { status: 'blocked', prefix, country, level: block.level });
      }
    }
    metrics.smsRefused('prefix_blocked', country);
    throw destinationBlocked();
  }

  private capsFor(requester: string, nowMs: number): Cap[] {
    const own = this.settings.clientCaps.get(requester);
    const hourEnd = (hourOf(nowMs) + 1) * HOUR_MS;
    return [
      {
        name: `CLIENT#${requester}#H${hourOf(nowMs)}`,
        limit: own?.hourly ?? this.settings.clientHourlyCap,
        endsAtMs: hourEnd,
        scope: 'client',
      },
      {
        name: `CLIENT#${requester}#D${dayOf(nowMs)}`,
        limit: own?.daily ?? this.settings.clientDailyCap,
        endsAtMs: (dayOf(nowMs) + 1) * DAY_MS,
        scope: 'client',
      },
      {
        name: `GLOBAL#H${hourOf(nowMs)}`,
        limit: this.settings.globalHourlyCap,
        endsAtMs: hourEnd,
        scope: 'global',
      },
    ];
  }

  /**
   * Takes one unit of every cap at once (one round trip, not three); when any is full, gives back the units the others
   * took, so a refused SMS spends no cap, and refuses with the narrowest full cap's answer.
   */
  private async takeCaps(caps: Cap[], nowMs: number): Promise<void> {
    const shards = await Promise.all(
      caps.map((cap) =>
        (this.full.get(cap.name) ?? 0) > nowMs
          ? Promise.resolve(undefined)
          : this.store.take(cap.name, cap.limit, cap.endsAtMs),
      ),
    );
    const fullIndex = shards.indexOf(undefined);
    if (fullIndex < 0) return;
    await Promise.all(
      caps.flatMap((cap, i) => (shards[i] === undefined ? [] : [this.store.giveBack(cap.name, shards[i]!)])),
    );
    for (const [name, until] of this.full) if (until <= nowMs) this.full.delete(name);
    const cap = caps[fullIndex]!;
    for (const [i, full] of caps.entries())
      if (shards[i] === undefined) this.full.set(full.name, full.endsAtMs);
    metrics.smsCapHit(cap.scope);
    const retryAfter = (cap.endsAtMs - nowMs) / 1000;
    if (cap.scope === 'global') {
      logger.error('sms global cap reached', {
        status: 'paused',
        until: new Date(cap.endsAtMs).toISOString(),
      });
      throw smsPaused(retryAfter);
    }
    logger.warn('sms client cap reached', { status: 'capped', requester: cap.name.split('#')[1] });
    throw requesterCapReached(retryAfter);
  }
}

/** The operator API's view of a block. */
export interface PrefixBlockView {
  id: string;
  prefix: string;
  country: string;
  level: string;
  blocked_at: string;
  expires_at: string;
}

const toView = (block: PrefixBlock): PrefixBlockView => ({
  id: block.id,
  prefix: block.prefix,
  country: block.country,
  level: block.level,
  blocked_at: block.blockedAt,
  expires_at: block.expiresAt,
});

export interface OperatorDeps {
  clock: { now(): Date };
  fraudGuard: FraudGuardStore;
}

/** Every prefix block that has not expired. */
export async function listPrefixBlocks(rt: OperatorDeps): Promise<{ data: PrefixBlockView[] }> {
  const blocks = await rt.fraudGuard.listBlocks(rt.clock.now().getTime());
  return { data: blocks.map(toView) };
}

/**
 * Lift a prefix block before it expires:
 * 1. Read the prefix's counts: the unconverted codes that caused the block are accepted for one window, so the next
 *    SMS does not block the prefix again at once; new unconverted codes on top of them still do.
 * 2. Clear the block, remove it from the list and record the event naming the operator, in one transaction; 404 when
 *    the prefix is not blocked (never was, expired, or lifted meanwhile).
 */
export async function liftPrefixBlock(rt: OperatorDeps, prefix: string, operator: string): Promise<void> {
  const now = rt.clock.now();
  const nowMs = now.getTime();
  const state = await rt.fraudGuard.readPrefix(prefix, nowMs);
  if (state.profile.blockedUntilMs <= nowMs) throw notFound(`No live block on prefix ${prefix}.`);
  const offset = unconvertedAt(nowMs, state.current, state.previous);
  const event = buildEvent(
    SmsPrefixBlockLifted,
    { id: state.profile.blockId ?? '', prefix, operator, lifted_at: now.toISOString() },
    now,
  );
  const lifted = await rt.fraudGuard.lift(prefix, offset, nowMs + WINDOW_SLOTS * SLOT_MS, event, nowMs);
  if (!lifted) throw notFound(`No live block on prefix ${prefix}.`);
}
