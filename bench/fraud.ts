/**
 * 8. The fraud guard against SMS pumping, simulated: attacks and real customers through the real use cases (create,
 * authorize, confirm) on DynamoDB Local, on a simulated clock so that two hours of traffic run in seconds.
 *
 * Per protection level, in a fresh table each:
 * - one hour of real customers alone (the prefixes learn their history), then a second hour of real customers with
 *   an attack in the middle of it, through the same partner client (the attacker drives the bank's own sign-up);
 * - real customers: numbers over many prefixes of five countries, a few of them busy; 85 % confirm 1 to 120 s after
 *   the SMS, the rest never do;
 * - attacks of 1,000 attempts, fresh persons and sequential numbers, never confirming, at five attempts a second:
 *   in one prefix; spread over 50 prefixes (20 each); and spread so that every number has a prefix of its own.
 * Printed: pumped SMS that left, real customers refused, prefixes blocked; and what the guard adds in DynamoDB
 * writes and reads per verification, and its cost per million verifications.
 */
import { randomInt } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { runAsRequester } from '../shared/auth/requester.ts';
import type { Adapters } from '../shared/compose.ts';
import * as compose from '../shared/compose.ts';
import { DomainError } from '../shared/errors.ts';
import { LEVEL_RULES, type ProtectionLevel } from '../shared/fraud-guard/model.ts';
import { PROTECTION_LEVELS } from '../shared/fraud-guard/settings.ts';
import { normalizeMobileNumber } from '../shared/mobile-number/phone-number.ts';
import {
  authorizeMobileNumber,
  confirmMobileNumber,
  createMobileNumber,
} from '../shared/mobile-number/use-cases.ts';
import type { SmsMessage } from '../shared/sms/sms-port.ts';
import { createDocumentClient, type DocumentClient } from '../shared/storage/dynamo.ts';
import { PRICES } from './cost.ts';
import { benchDynamo, serviceEnv } from './environment.ts';
import { fixed, passMiss, type Report } from './report.ts';

const ATTACK_ATTEMPTS = 1000;
const ATTEMPTS_PER_SECOND = 5;
const REAL_PER_HOUR = 100;
const CONFIRM_SHARE = 0.85;
const CLIENT = 'bank-app';

export const SCENARIOS = ['single prefix', '50 prefixes', 'a prefix per number'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface FraudResult {
  level: ProtectionLevel;
  scenario: Scenario;
  pumpedLeft: number;
  realCustomers: number;
  realRefused: number;
  refusals: Record<string, number>;
  blocks: number;
}

export interface FraudCost {
  verifications: number;
  writeUnits: number;
  readUnits: number;
}

export interface FraudRun {
  results: FraudResult[];
  /** What the guard added during the hour of real traffic alone, at the default level. */
  cost: FraudCost;
  seconds: number;
}

const validNumber = (number: string) => normalizeMobileNumber(number, { sandboxEnabled: false }).ok;

/** Real customers' ranges (each a prefix): a few busy German ones, and quieter ones in the other four countries. */
const REAL_RANGES: Array<{ make: (n: number) => string; weight: number }> = [
  ...['+491511', '+491520', '+491573', '+491701', '+491761'].map((range) => ({ range, weight: 8 })),
  ...['+336100', '+336200', '+336300', '+336400', '+336500', '+336600', '+336700', '+336800'].map(
    (range) => ({
      range,
      weight: 2,
    }),
  ),
  ...['+346100', '+346200', '+346300', '+346400', '+346500', '+346600'].map((range) => ({
    range,
    weight: 2,
  })),
  ...['+393200', '+393280', '+393330', '+393380', '+393400', '+393470'].map((range) => ({
    range,
    weight: 2,
  })),
  ...['+436600', '+436640', '+436760', '+436990'].map((range) => ({ range, weight: 2 })),
].map(({ range, weight }) => ({
  // German mobile numbers here have 11 national digits; the other countries' 9 or 10.
  make: (n: number) =>
    `${range}${String(n).padStart(range.startsWith('+49') ? 7 : range.startsWith('+33') || range.startsWith('+34') ? 5 : 6, '0')}`,
  weight,
}));

/**
 * Attack numbers, in ranges no real customer above uses: one German prefix; 50 German prefixes (170x-179x, even x);
 * or French and German prefixes enough for every number to have one of its own. Only valid numbers are used.
 */
function attackNumbers(scenario: Scenario): string[] {
  if (scenario === 'single prefix') {
    return Array.from({ length: ATTACK_ATTEMPTS }, (_, i) => `+491590${String(i).padStart(7, '0')}`);
  }
  if (scenario === '50 prefixes') {
    return Array.from(
      { length: ATTACK_ATTEMPTS },
      (_, i) => `+49${1700 + (i % 50) * 2}${String(Math.floor(i / 50)).padStart(7, '0')}`,
    );
  }
  const numbers: string[] = [];
  for (let leading = 6001; leading <= 7999 && numbers.length < ATTACK_ATTEMPTS; leading++) {
    if (leading % 100 === 0) continue; // 3361 00 ... are real customers' prefixes
    const number = `+33${leading}12345`;
    if (validNumber(number)) numbers.push(number);
  }
  for (let leading = 1500; leading <= 1799 && numbers.length < ATTACK_ATTEMPTS; leading++) {
    const number = `+49${leading}1234567`;
    if (validNumber(number) && !REAL_RANGES.some((r) => r.make(1).startsWith(`+49${leading}`)))
      numbers.push(number);
  }
  return numbers;
}

type Step = { at: number; run: () => Promise<void> };

/** One run of a level and scenario: two simulated hours through the real use cases, in a fresh table. */
async function simulate(
  endpoint: string,
  level: ProtectionLevel,
  scenario: Scenario,
  counted: FraudCost | undefined,
): Promise<FraudResult> {
  const table = `bench-fraud-${level}-${SCENARIOS.indexOf(scenario)}-${Date.now()}`;
  await benchDynamo(table);
  let now = Date.UTC(2026, 11, 7, 9, 0, 0);
  const clock = { now: () => new Date(now) };
  const sent: SmsMessage[] = [];
  const db = createDocumentClient({ region: 'us-east-1', endpoint });
  let measuring = false;
  if (counted) countGuardUnits(db, () => measuring, counted);
  const adapters: Adapters = {
    env: { ...serviceEnv(endpoint, table), SMS_FRAUD_PROTECTION: level },
    db,
    clock,
    smsSender: { send: async (message) => void sent.push(message) },
  };
  const creating = compose.createMobileNumber(adapters);
  const issuing = compose.issueOtp(adapters);
  const confirming = compose.confirmMobileNumber(adapters);

  const steps: Step[] = [];
  let real = 0;
  let realRefused = 0;
  let pumpedLeft = 0;
  const refusals: Record<string, number> = {};
  const refused = (error: unknown) => {
    if (!(error instanceof DomainError)) throw error;
    refusals[error.code] = (refusals[error.code] ?? 0) + 1;
  };
  const totalWeight = REAL_RANGES.reduce((sum, range) => sum + range.weight, 0);
  let serial = 0;
  const pickRange = () => {
    let ticket = randomInt(totalWeight);
    for (const range of REAL_RANGES) {
      ticket -= range.weight;
      if (ticket < 0) return range;
    }
    return REAL_RANGES[0]!;
  };
  const start = now;
  for (let i = 0; i < 2 * REAL_PER_HOUR; i++) {
    const at =
      start +
      randomInt(i < REAL_PER_HOUR ? 3_600_000 : 7_200_000 - 3_600_000) +
      (i < REAL_PER_HOUR ? 0 : 3_600_000);
    const number = pickRange().make(++serial);
    const person = `real-${serial}`;
    steps.push({
      at,
      run: async () => {
        real++;
        try {
          await runAsRequester(CLIENT, async () => {
            await createMobileNumber(creating, { personId: person, number });
            await authorizeMobileNumber(issuing, { personId: person, number });
          });
        } catch (error) {
          realRefused++;
          refused(error);
          return;
        }
        if (Math.random() >= CONFIRM_SHARE) return;
        const code = sent.findLast((sms) => sms.to === number)!.text.match(/\d{6}/)![0];
        steps.push({
          at: now + 1000 + randomInt(119_000),
          run: () =>
            confirmMobileNumber(confirming, { personId: person, number, token: code }).then(() => {}),
        });
        steps.sort((a, b) => a.at - b.at);
      },
    });
  }
  // The attack begins 20 minutes into the second hour.
  const attackStart = start + 3_600_000 + 20 * 60_000;
  const attack = attackNumbers(scenario);
  const invalid = [...attack, ...REAL_RANGES.map((range) => range.make(1))].filter((n) => !validNumber(n));
  if (attack.length !== ATTACK_ATTEMPTS || invalid.length > 0) {
    throw new Error(`the simulation's numbers are not all valid: ${invalid.slice(0, 5).join(', ')}`);
  }
  for (let i = 0; i < ATTACK_ATTEMPTS; i++) {
    const number = attack[i]!;
    steps.push({
      at: attackStart + Math.floor((i * 1000) / ATTEMPTS_PER_SECOND),
      run: async () => {
        try {
          await runAsRequester(CLIENT, async () => {
            await createMobileNumber(creating, { personId: `pump-${i}`, number });
            await authorizeMobileNumber(issuing, { personId: `pump-${i}`, number });
          });
          pumpedLeft++;
        } catch (error) {
          refused(error);
        }
      },
    });
  }
  steps.sort((a, b) => a.at - b.at);
  while (steps.length > 0) {
    const step = steps.shift()!;
    now = Math.max(now, step.at);
    // The cost is measured over the first hour: real customers only.
    measuring = now < start + 3_600_000;
    await step.run();
  }
  if (counted) counted.verifications = REAL_PER_HOUR;
  const blocks = await countEvents(db, table, 'SMS_PREFIX_BLOCKED');
  db.destroy();
  return { level, scenario, pumpedLeft, realCustomers: real, realRefused, refusals, blocks };
}

async function countEvents(db: DocumentClient, table: string, type: string): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: 'event_type = :type',
        ExpressionAttributeValues: { ':type': type },
        ExclusiveStartKey: start,
      }),
    );
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
}

const isGuardKey = (key: unknown) =>
  typeof (key as { PK?: unknown })?.PK === 'string' && String((key as { PK: string }).PK).startsWith('FG#');

/**
 * Counts the capacity units of the guard's own items (keys `FG#...`) by the pricing rule: 1 WRU per write of an
 * item under 1 KB, 2 per item in a transaction, 1 RRU per item of a strongly consistent read (missing items too).
 */
function countGuardUnits(db: DocumentClient, measuring: () => boolean, cost: FraudCost): void {
  db.middlewareStack.add(
    (next, context) => async (args) => {
      if (measuring()) {
        const input = args.input as Record<string, unknown>;
        const name = context.commandName ?? '';
        if (name === 'UpdateItemCommand' && isGuardKey(input.Key)) cost.writeUnits += 1;
        if (name === 'BatchGetItemCommand') {
          for (const request of Object.values(input.RequestItems as Record<string, { Keys: unknown[] }>)) {
            cost.readUnits += request.Keys.filter(isGuardKey).length;
          }
        }
        if (name === 'TransactWriteItemsCommand') {
          for (const item of input.TransactItems as Array<
            Record<string, { Key?: unknown; Item?: unknown }>
          >) {
            const part = Object.values(item)[0]!;
            if (isGuardKey(part.Key ?? part.Item)) cost.writeUnits += 2;
          }
        }
      }
      return next(args);
    },
    { step: 'initialize', name: 'benchFraudGuardUnits' },
  );
}

/** Simulations run side by side (each in its own table), as many as DynamoDB Local serves well on two cores. */
const PARALLEL = 4;

export async function measureFraud(progress: (text: string) => void = () => {}): Promise<FraudRun> {
  const started = performance.now();
  const cost: FraudCost = { verifications: 0, writeUnits: 0, readUnits: 0 };
  const endpoint = await benchDynamo('bench-fraud-probe');
  // Where the prefix rule cannot act, the level does not matter: with the guard off every attack is the same, and a
  // spread where every number has a prefix of its own never meets the rule. Those run once, to save time.
  const runs = PROTECTION_LEVELS.flatMap((level) =>
    SCENARIOS.filter((scenario) =>
      level === 'off'
        ? scenario === 'single prefix'
        : scenario !== 'a prefix per number' || level === 'standard',
    ).map((scenario) => ({ level, scenario })),
  ).sort((a, b) => (a.level === 'standard' ? 0 : 1) - (b.level === 'standard' ? 0 : 1));
  const results: FraudResult[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < runs.length) {
        const { level, scenario } = runs[next++]!;
        const measured = level === 'standard' && scenario === 'single prefix' ? cost : undefined;
        results.push(await simulate(endpoint, level, scenario, measured));
        const r = results.at(-1)!;
        progress(
          `fraud: ${level}, ${scenario}: pumped SMS left ${r.pumpedLeft}/${ATTACK_ATTEMPTS}, real refused ${r.realRefused}/${r.realCustomers}, blocks ${r.blocks}, ${JSON.stringify(r.refusals)}`,
        );
        if (measured) {
          progress(
            `fraud: guard units per verification ${(cost.writeUnits / cost.verifications).toFixed(2)} WRU, ${(cost.readUnits / cost.verifications).toFixed(2)} RRU`,
          );
        }
      }
    }),
  );
  const order = (r: FraudResult) => PROTECTION_LEVELS.indexOf(r.level) * 10 + SCENARIOS.indexOf(r.scenario);
  results.sort((a, b) => order(a) - order(b));
  return { results, cost, seconds: (performance.now() - started) / 1000 };
}

export function printFraud(report: Report, run: FraudRun): void {
  report.heading('8. Fraud guard: SMS pumping, simulated');
  report.line(
    `Per level and attack: ${ATTACK_ATTEMPTS} attempts (fresh persons, sequential numbers, never confirmed, ${ATTEMPTS_PER_SECOND}/s), with ${REAL_PER_HOUR} real customers an hour for two hours (the first hour alone), ${Math.round(CONFIRM_SHARE * 100)} % of them confirming 1-120 s after the SMS.`,
  );
  report.line(
    'Everything through the real use cases (create, authorize, confirm) on DynamoDB Local, one partner client, default caps, on a simulated clock.',
  );
  const defaults = LEVEL_RULES.standard;
  report.table(
    [
      'level',
      'attack',
      'pumped SMS left',
      'share',
      'real customers',
      'real refused',
      'prefix blocks',
      'refusals',
    ],
    run.results.map((r) => [
      r.level,
      r.scenario,
      String(r.pumpedLeft),
      `${fixed((100 * r.pumpedLeft) / ATTACK_ATTEMPTS)} %`,
      String(r.realCustomers),
      String(r.realRefused),
      String(r.blocks),
      Object.entries(r.refusals)
        .map(([code, n]) => `${code} ${n}`)
        .join(', ') || '-',
    ]),
  );
  const single = run.results.find((r) => r.level === 'standard' && r.scenario === 'single prefix')!;
  const atDefault = run.results.filter((r) => r.level === 'standard');
  report.line(
    `goal at the default level (standard): single-prefix attack <= 5 % left: ${passMiss(single.pumpedLeft <= 0.05 * ATTACK_ATTEMPTS)} (${single.pumpedLeft}); no real customer refused: ${passMiss(atDefault.every((r) => r.realRefused === 0))}; spread attacks bounded by the caps (client ${1000}/h): ${passMiss(atDefault.every((r) => r.pumpedLeft <= 1000))}`,
  );
  void defaults;
  const c = run.cost;
  const wru = c.writeUnits / c.verifications;
  const rru = c.readUnits / c.verifications;
  const usd = wru * PRICES.writeUnit.usd * 1e6 + rru * PRICES.readUnit.usd * 1e6;
  report.line(
    `guard cost (standard, real traffic alone): ${fixed(wru, 2)} WRU and ${fixed(rru, 2)} RRU added per verification (authorize + confirm) = USD ${fixed(usd, 2)} per million verifications (on-demand, us-east-1; SMS excluded)`,
  );
  report.line(`simulation: ${fixed(run.seconds)} s wall time`);
}
