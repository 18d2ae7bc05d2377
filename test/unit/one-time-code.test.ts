import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BUDGET_WINDOW_MS,
  type BudgetCharge,
  type CheckState,
  type CodeKind,
  checkCode,
  codeMatches,
  issueCode,
  type PendingCode,
  unusable,
} from '../../shared/codes/one-time-code.ts';
import { DomainError } from '../../shared/errors.ts';
import { useMetricSink } from '../../shared/metrics.ts';
import type { PepperSource } from '../../shared/otp/pepper.ts';
import { planUse } from '../../shared/quota/rolling-window.ts';

const pepper = Buffer.from('unit-pepper-unit-pepper-unit-pepper-0123');
const T0 = new Date('2026-11-22T10:00:00Z');
const settings = { ttlSeconds: 300, sandboxEnabled: true };

/**
 * An in-memory port with the adapters' commit semantics: one pending code and one budget; a commit is atomic and
 * holds only while the code is still the one compared (unused, unexpired, attempts left) and the budget slot free.
 */
class FakeCodeStore {
  code: PendingCode | undefined;
  uses: number[] = [];
  /** The person's verified number record (null: none), which codes sent to the verified number depend on. */
  verifiedNumber: string | null = 'number-1';
  succeeded = 0;
  commits = 0;
  /** Lets tests interleave: runs between a check's read and its commit. */
  beforeCommit: () => Promise<void> = async () => {};

  constructor(
    private readonly maxAttempts: number,
    private readonly now: () => Date,
  ) {}

  port(boundTo = 'record-1') {
    return {
      load: async (): Promise<CheckState> => ({
        code: this.code ? { ...this.code } : undefined,
        budget: [...this.uses],
        boundTo,
        verifiedNumber: this.verifiedNumber,
      }),
      commit: async (loaded: CheckState, answer: 'right' | 'wrong', charge: BudgetCharge | undefined) => {
        await this.beforeCommit();
        this.commits++;
        const current = this.code;
        const read = loaded.code!;
        if (
          !current ||
          current.id !== read.id ||
          current.attempts >= this.maxAttempts ||
          current.expiresAtMs <= this.now().getTime()
        ) {
          return 'code_changed';
        }
        if (charge && (this.uses[charge.slot] ?? 0) > charge.cutoff) return 'budget_taken';
        if (charge) this.uses[charge.slot] = charge.at;
        if (answer === 'right') {
          this.code = undefined;
          this.succeeded++;
        } else {
          current.attempts++;
        }
        return 'committed';
      },
    };
  }
}

/**
 * A code of `kind` issued at T0 (under `issuedUnder`, by default the current pepper) in a fake store, and `check`,
 * which answers it as the person's app would: for `boundTo` (default the record it was issued for), with the pepper
 * source `pepper` (default: the current pepper only) and, for a signature answer, `matches`.
 */
function setup(
  kind: CodeKind = 'mobile_number',
  options: { maxAttempts?: number; checksPerDay?: number; issuedUnder?: Buffer } = {},
) {
  let now = T0;
  const clock = {
    now: () => now,
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
  };
  const maxAttempts = options.maxAttempts ?? 5;
  const store = new FakeCodeStore(maxAttempts, clock.now);
  const issued = issueCode(
    kind,
    {
      to: '+4915123456789',
      boundTo: 'record-1',
      now: T0,
      pepper: options.issuedUnder ?? pepper,
      sentTo: 'number-1',
    },
    settings,
  );
  store.code = issued.pending;
  const check = (
    given: string,
    answer: { boundTo?: string; pepper?: PepperSource; matches?: (otp: string) => boolean } = {},
  ) =>
    checkCode(
      kind,
      store.port(answer.boundTo),
      {
        given,
        now: clock.now,
        pepper: answer.pepper ?? (async () => pepper),
        ...(answer.matches ? { matches: answer.matches } : {}),
      },
      { maxAttempts, checksPerDay: options.checksPerDay ?? 30 },
    );
  const wrong = issued.code === '000000' ? '000001' : '000000';
  return { store, clock, check, code: issued.code, wrong, issued };
}

const budgetUsed = (store: FakeCodeStore) => store.uses.filter((t) => t > 0).length;

describe('issuing a code', () => {
  it('stores only an HMAC, gives the sandbox number 212212, and binds the code to its record', () => {
    const real = issueCode(
      'mobile_number',
      { to: '+4915123456789', boundTo: 'n1', now: T0, pepper },
      settings,
    );
    expect(real.code).toMatch(/^\d{6}$/);
    expect(real.pending.secret).not.toContain(real.code);
    expect(real.pending).toMatchObject({ boundTo: 'n1', attempts: 0, expiresAtMs: T0.getTime() + 300_000 });
    const sandbox = issueCode('mobile_number', { to: '+15550101', boundTo: 'n1', now: T0, pepper }, settings);
    expect(sandbox.code).toBe('212212');
    const off = issueCode(
      'mobile_number',
      { to: '+15550101', boundTo: 'n1', now: T0, pepper },
      { ...settings, sandboxEnabled: false },
    );
    expect(off.code).not.toBe('212212');
  });

  it('scopes each kind: a removal code never passes as a verification code of the same id', () => {
    const removal = issueCode('phone_removal', { to: '+15550101', boundTo: 'n1', now: T0, pepper }, settings);
    expect(codeMatches('phone_removal', pepper, removal.pending, '212212')).toBe(true);
    expect(codeMatches('mobile_number', pepper, removal.pending, '212212')).toBe(false);
  });
});

describe('checking a code (one charging rule)', () => {
  it('charges a wrong answer one attempt and one budget unit, and tells it only once charged', async () => {
    const { store, check, wrong } = setup();
    expect((await check(wrong)).verdict).toBe('wrong');
    expect(store.code?.attempts).toBe(1);
    expect(budgetUsed(store)).toBe(1);
  });

  it('uses the right code once: a second right answer finds no code', async () => {
    const { store, check, code } = setup();
    expect((await check(code)).verdict).toBe('right');
    expect(store.code).toBeUndefined();
    expect(budgetUsed(store)).toBe(1);
    expect(await check(code)).toMatchObject({ verdict: 'unusable', reason: 'missing' });
    expect(budgetUsed(store)).toBe(1);
  });

  it('burns a code after the attempt limit, even for the right answer', async () => {
    const { store, check, code, wrong } = setup('mobile_number', { maxAttempts: 3 });
    for (let i = 0; i < 3; i++) expect((await check(wrong)).verdict).toBe('wrong');
    expect(await check(code)).toMatchObject({ verdict: 'unusable', reason: 'burnt' });
    expect(budgetUsed(store)).toBe(3);
  });

  it('refuses an expired code without charging anything', async () => {
    const { store, clock, check, code } = setup();
    clock.advance(300_000);
    expect(await check(code)).toMatchObject({ verdict: 'unusable', reason: 'expired' });
    expect(budgetUsed(store)).toBe(0);
    expect(store.commits).toBe(0);
  });

  it('refuses a code sent for another record (a re-created number) without charging', async () => {
    const { store, check, code } = setup();
    expect(await check(code, { boundTo: 'record-2' })).toMatchObject({
      verdict: 'unusable',
      reason: 'missing',
    });
    expect(budgetUsed(store)).toBe(0);
  });

  it('answers 429 once the daily budget is spent, across codes, and frees a unit 24 hours after its use', async () => {
    const { store, clock, check, wrong } = setup('mobile_number', { checksPerDay: 5, maxAttempts: 10 });
    for (let i = 0; i < 5; i++) expect((await check(wrong)).verdict).toBe('wrong');
    const spent = await check(wrong).catch((error: unknown) => error);
    expect(spent).toBeInstanceOf(DomainError);
    expect((spent as DomainError).status).toBe(429);
    expect(store.code?.attempts).toBe(5);
    clock.advance(BUDGET_WINDOW_MS - 1);
    // The code itself expired meanwhile; the budget is what answers.
    expect(((await check(wrong).catch((e: unknown) => e)) as DomainError).status).toBe(429);
    clock.advance(1);
    expect((await check(wrong)).verdict).toBe('unusable');
  });

  it('charges the budget for a signature over the binding OTP: the signer chose the key, so it is a guess', async () => {
    const { store, check } = setup('device_binding', { checksPerDay: 30 });
    for (let i = 0; i < 4; i++) {
      expect((await check('sig', { matches: () => false })).verdict).toBe('wrong');
    }
    expect(budgetUsed(store)).toBe(4);
    const result = await check('sig', { matches: (otp) => /^\d{6}$/.test(otp) });
    expect(result.verdict).toBe('right');
    expect(budgetUsed(store)).toBe(5);
  });

  it('refuses a binding signature with 429 once the day is spent, without checking it', async () => {
    const { store, check } = setup('device_binding', { checksPerDay: 5 });
    store.uses = [1, 2, 3, 4, 5].map((i) => T0.getTime() - i * 1000);
    let checked = 0;
    await expect(
      check('sig', {
        matches: () => {
          checked++;
          return true;
        },
      }),
    ).rejects.toMatchObject({ status: 429 });
    expect(checked).toBe(0);
  });

  it.each([
    'payment_authorization',
    'change_request',
    'device_binding',
  ] as const)('voids a %s code once the number it went to is no longer the verified one, uncharged', async (kind) => {
    for (const now of [null, 'number-2']) {
      const { store, check, code } = setup(kind);
      store.verifiedNumber = now;
      const result = await check(code, { matches: () => true });
      expect(result).toMatchObject({ verdict: 'unusable', reason: 'factor_gone' });
      expect(budgetUsed(store)).toBe(0);
      expect(store.succeeded).toBe(0);
    }
  });

  it('keeps a code bound to the number record itself (verification) out of the verified-number rule', async () => {
    const { store, check, code } = setup('mobile_number');
    store.verifiedNumber = null;
    expect((await check(code)).verdict).toBe('right');
  });
});

describe('one success under a race', () => {
  it('lets exactly one of 50 concurrent right answers succeed and charges the others nothing', async () => {
    const { store, check, code } = setup();
    const results = await Promise.all(Array.from({ length: 50 }, () => check(code)));
    expect(results.filter((r) => r.verdict === 'right')).toHaveLength(1);
    expect(results.filter((r) => r.verdict === 'lost_race')).toHaveLength(49);
    expect(store.succeeded).toBe(1);
    expect(budgetUsed(store)).toBe(1);
  });

  it('tells no more wrong answers than the attempt limit, however many race', async () => {
    const { store, check, wrong } = setup();
    const results = await Promise.all(Array.from({ length: 40 }, () => check(wrong)));
    expect(results.filter((r) => r.verdict === 'wrong')).toHaveLength(5);
    // The rest lost the race, or read again after a budget-slot collision and found the code burnt.
    expect(results.every((r) => ['wrong', 'lost_race', 'unusable'].includes(r.verdict))).toBe(true);
    expect(budgetUsed(store)).toBe(5);
  });

  it('reads again when a concurrent check took the same budget slot', async () => {
    const { store, check, wrong } = setup();
    let stolen = false;
    store.beforeCommit = async () => {
      if (stolen) return;
      stolen = true;
      // Another check takes every slot but one between this check's read and its commit.
      for (let slot = 0; slot < 29; slot++) store.uses[slot] = T0.getTime();
    };
    expect((await check(wrong)).verdict).toBe('wrong');
    expect(budgetUsed(store)).toBe(30);
  });
});

describe('after a pepper rotation', () => {
  const previous = Buffer.from('previous-pepper-previous-pepper-previous');
  /** A source whose current pepper is `pepper` and which still accepts `previous` (within one OTP lifetime). */
  const rotated = (accepted: Buffer[]): PepperSource =>
    Object.assign(async () => pepper, { accepted: async () => accepted });

  it('checks a code hashed under the previous pepper while it is accepted, and not after', async () => {
    for (const [accepted, verdict] of [
      [[pepper, previous], 'right'],
      [[pepper], 'wrong'],
    ] as const) {
      const { check, code } = setup('change_request', { issuedUnder: previous });
      const result = await check(code, { pepper: rotated([...accepted]) });
      expect(result.verdict).toBe(verdict);
    }
  });

  it('opens a binding OTP sealed under the previous pepper', async () => {
    const { check, code } = setup('device_binding', { issuedUnder: previous });
    const result = await check('sig', {
      pepper: rotated([pepper, previous]),
      matches: (otp) => otp === code,
    });
    expect(result.verdict).toBe('right');
  });
});

describe('code-check metrics', () => {
  afterEach(() => {
    useMetricSink();
    vi.unstubAllEnvs();
  });
  const collect = () => {
    vi.stubEnv('METRICS_DISABLED', 'false');
    const points: string[] = [];
    useMetricSink((document) => {
      const d = JSON.parse(document) as Record<string, unknown> & {
        _aws: { CloudWatchMetrics: Array<{ Metrics: Array<{ Name: string }> }> };
      };
      const name = d._aws.CloudWatchMetrics[0]!.Metrics[0]!.Name;
      points.push(d.Outcome ? `${name} ${String(d.Outcome)}` : name);
    });
    return points;
  };

  it('counts each typed code check by outcome: wrong, right, then burnt for a code already used', async () => {
    const points = collect();
    const { check, code, wrong } = setup('change_request');
    await check(wrong);
    await check(code);
    await check(code);
    expect(points).toEqual(['CodeChecks wrong', 'CodeChecks right', 'CodeChecks wrong']);
  });

  it('counts an expired code, a lost race as burnt, and a spent budget as a budget hit', async () => {
    const points = collect();
    const expired = setup('phone_removal');
    expired.clock.advance(300_000);
    await expired.check(expired.code);
    expect(points).toEqual(['CodeChecks expired']);

    points.length = 0;
    const race = setup('mobile_number');
    await Promise.all([race.check(race.code), race.check(race.code)]);
    expect(points.sort()).toEqual(['CodeChecks burnt', 'CodeChecks right']);

    points.length = 0;
    const budget = setup('mobile_number', { checksPerDay: 5, maxAttempts: 10 });
    for (let i = 0; i < 5; i++) await budget.check(budget.wrong);
    await budget.check(budget.wrong).catch(() => undefined);
    expect(points.at(-1)).toBe('CodeCheckBudgetHits');
  });

  it('does not count the binding OTP as a code check (its signature is counted by the device use cases)', async () => {
    const points = collect();
    const { check } = setup('device_binding');
    await check('sig', { matches: () => true });
    expect(points).toEqual([]);
  });
});

describe('unusable', () => {
  const pending = { id: 'c', boundTo: 'r', secret: '', expiresAtMs: T0.getTime() + 1000, attempts: 0 };
  it('names why a code cannot be answered', () => {
    const at = { now: T0, maxAttempts: 3 };
    expect(unusable(undefined, at)).toBe('missing');
    expect(unusable(pending, { ...at, boundTo: 'other' })).toBe('missing');
    expect(unusable({ ...pending, used: true }, at)).toBe('used');
    expect(unusable({ ...pending, expiresAtMs: T0.getTime() }, at)).toBe('expired');
    expect(unusable({ ...pending, attempts: 3 }, at)).toBe('burnt');
    expect(unusable(pending, { ...at, boundTo: 'r' })).toBeUndefined();
  });
});

describe('rolling window', () => {
  const rule = { limit: 3, windowMs: 60_000 };
  it('allows exactly the limit in any window and tells when the oldest use leaves it', () => {
    const at = (s: number) => new Date(T0.getTime() + s * 1000);
    expect(planUse(rule, [], at(0), () => 0)).toMatchObject({ allowed: true, slot: 0 });
    const full = [at(0).getTime(), at(10).getTime(), at(20).getTime()];
    expect(planUse(rule, full, at(30))).toEqual({ allowed: false, retryAfterSeconds: 30 });
    expect(planUse(rule, full, at(60))).toMatchObject({ allowed: true, slot: 0 });
  });
});
