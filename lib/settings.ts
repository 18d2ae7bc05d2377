import { DEFAULT_SMS_COUNTRIES, ENV_SETTINGS, type EnvSetting } from '../shared/settings.ts';

/*
 * Every context value the CDK app reads (`-c key=value`, or `context` in cdk.json), declared once: its type, default
 * and description. lib/app.ts refuses a key not declared here (`checkContextKeys`) and reads values only through
 * `readContext`; the table in docs/configuration.md is generated from this list (`npm run docs:settings`).
 */

/**
 * Alarm thresholds, each overridable with stack context `-c alarm.<name>=<value>` (docs/operations.md explains every
 * alarm and why these defaults).
 */
export const ALARM_DEFAULTS = {
  functionErrors: 1,
  functionThrottles: 1,
  apiP99LatencyMs: 2000,
  relayIteratorAgeMs: 60_000,
  fanOutQueueAgeSeconds: 600,
  deliveryQueueAgeSeconds: 1800,
  smsFailureRatePercent: 10,
  smsFailureMinimumAttempts: 10,
  smsSpendPercentOfBudget: 80,
  wrongCodeChecksPer5Minutes: 50,
} as const;

/** What each alarm threshold means (the context table shows it). */
const ALARM_DESCRIPTIONS: Record<keyof typeof ALARM_DEFAULTS, string> = {
  functionErrors:
    'Lambda errors (crashes, timeouts; handled 4xx/5xx answers are not errors) per function in 5 minutes.',
  functionThrottles: 'Throttled invocations per function in 5 minutes.',
  apiP99LatencyMs: 'API p99 latency, ms, over 5 minutes, three periods in a row.',
  relayIteratorAgeMs:
    "The stream relay's iterator age, ms (how far behind the newest table change it reads), three minutes in a row.",
  fanOutQueueAgeSeconds: 'Age of the oldest message in the fan-out queue, seconds.',
  deliveryQueueAgeSeconds:
    'Age of the oldest message in the delivery queue, seconds (retries wait at most 15 minutes per hop).',
  smsFailureRatePercent:
    'Share of SMS the provider refused, percent of attempts in 15 minutes (counted from smsFailureMinimumAttempts).',
  smsFailureMinimumAttempts:
    'The failure rate counts only when at least this many SMS were attempted in those 15 minutes.',
  smsSpendPercentOfBudget:
    'SMS month-to-date spend, percent of the monthly budget (context smsMonthlyBudgetUsd).',
  wrongCodeChecksPer5Minutes:
    'Wrong one-time codes across all persons in 5 minutes: the signal of a guessing attack.',
};

export type SettingType = 'string' | 'boolean' | 'number' | 'list' | 'url' | 'email' | 'countries';

export interface SettingDeclaration {
  type: SettingType;
  /** The value used when the key is not given, as a user would write it; undefined: unset. */
  default: string | undefined;
  description: string;
}

export const CONTEXT_SETTINGS = {
  stackName: {
    type: 'string',
    default: 'PhoneSecurity',
    description:
      "Name of the stage's top-level stack; every name that must be unique per account and region derives from it, so two stages never collide.",
  },
  sandbox: {
    type: 'boolean',
    default: 'false',
    description:
      'Accept the sandbox number +15550101 with the fixed OTP 212212 (test stages only, never production).',
  },
  smsSenderId: {
    type: 'string',
    default: undefined,
    description:
      'Alphanumeric SMS sender id (1 to 11 letters and digits), where the destination country allows one.',
  },
  smsCountries: {
    type: 'countries',
    default: DEFAULT_SMS_COUNTRIES,
    description: 'SMS destination countries, ISO 3166 alpha-2, comma-separated, or * for all.',
  },
  smsAccountSettings: {
    type: 'boolean',
    default: 'true',
    description:
      "Set the account's default SMS protect configuration and SNS SMS attributes. They are one per account and region: set them from one stage, false on every other.",
  },
  smsMonthlyBudgetUsd: {
    type: 'number',
    default: '1',
    description: "The SMS spend alarm's monthly budget in USD (the account's default spend limit is USD 1).",
  },
  smsFraudProtection: {
    type: 'string',
    default: 'standard',
    description:
      "The fraud guard's protection level against SMS pumping: off, basic, standard or max (docs/fraud-guard.md); sets SMS_FRAUD_PROTECTION.",
  },
  smsClientHourlyCap: {
    type: 'number',
    default: '1000',
    description: 'Code SMS one partner client may send per clock hour; sets SMS_CLIENT_HOURLY_CAP.',
  },
  smsClientDailyCap: {
    type: 'number',
    default: '10000',
    description: 'Code SMS one partner client may send per UTC day; sets SMS_CLIENT_DAILY_CAP.',
  },
  smsClientCaps: {
    type: 'string',
    default: undefined,
    description:
      'Per-client caps instead of those two, as <client id>:<hourly>/<daily>, comma-separated; sets SMS_CLIENT_CAPS.',
  },
  smsGlobalHourlyCap: {
    type: 'number',
    default: '5000',
    description:
      'Code SMS of all clients together per clock hour, to stay below the SNS spend limit; sets SMS_GLOBAL_HOURLY_CAP.',
  },
  authIssuer: {
    type: 'url',
    default: undefined,
    description: 'Trust this token issuer instead of creating a Cognito user pool.',
  },
  authAudiences: {
    type: 'list',
    default: undefined,
    description: 'With authIssuer: the accepted audiences (aud, or client_id without aud), comma-separated.',
  },
  authDomainPrefix: {
    type: 'string',
    default: undefined,
    description:
      'Built-in pool: the Cognito hosted-domain prefix, unique in the region across all accounts; default <stack name in kebab case>-<account>.',
  },
  userAudiences: {
    type: 'list',
    default: undefined,
    description: 'Built-in pool: app client ids of end-user apps, comma-separated.',
  },
  userIdClaim: {
    type: 'string',
    default: 'sub',
    description: 'The claim of a user token that holds the person id.',
  },
  resourceOwnerId: {
    type: 'string',
    default: undefined,
    description: "resourceOwner in the end-user API's details; default the person id.",
  },
  alarmEmail: {
    type: 'email',
    default: undefined,
    description: 'Subscribe this address to the operator alarm topic (the owner confirms the subscription).',
  },
  retiredReceiptKeyArns: {
    type: 'list',
    default: undefined,
    description:
      'KMS key ARNs of receipt keys that no longer sign but whose receipts must still verify; the JWKS keeps publishing them (docs/operations.md).',
  },
  passkeyRpId: {
    type: 'string',
    default: undefined,
    description:
      "Passkeys' relying party ID (the bank's domain, without scheme or port); unset leaves passkeys off (docs/passkeys.md).",
  },
  passkeyRpName: {
    type: 'string',
    default: undefined,
    description: "What authenticators show as the service's name; default the relying party ID.",
  },
  passkeyOrigins: {
    type: 'list',
    default: undefined,
    description:
      'Origins allowed in passkey client data, comma-separated: https://… web origins, android:apk-key-hash:<hash> for apps.',
  },
  ...Object.fromEntries(
    Object.entries(ALARM_DEFAULTS).map(([name, value]) => [
      `alarm.${name}`,
      {
        type: 'number',
        default: String(value),
        description: `Alarm threshold: ${ALARM_DESCRIPTIONS[name as keyof typeof ALARM_DEFAULTS]} (docs/operations.md#alarms)`,
      },
    ]),
  ),
} as const satisfies Record<string, SettingDeclaration>;

/** A declared key: a named setting or `alarm.<name>`. */
export type ContextKey = keyof typeof CONTEXT_SETTINGS | `alarm.${keyof typeof ALARM_DEFAULTS}`;
const DECLARED: Readonly<Record<string, SettingDeclaration>> = CONTEXT_SETTINGS;

/**
 * Context keys that belong to the CDK itself, not to this app: feature flags (`@aws-cdk/...`), the CLI's own keys
 * (`aws:cdk:...`), cached lookups in cdk.context.json (`<provider>:account=...`) and the CLI settings cdk.json carries.
 */
const CDK_OWN_KEYS = new Set(['cli-telemetry', 'acknowledged-issue-numbers']);
const isCdkOwnKey = (key: string) => key.startsWith('@') || key.includes(':') || CDK_OWN_KEYS.has(key);

/** An edit distance, to name the key a misspelled one was meant to be. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** A context value the app refuses: an unknown key, or a value of the wrong type. The message is the whole story. */
export class SettingsError extends Error {
  override name = 'SettingsError';
}

/** Refuses every context key that is neither declared here nor the CDK's own, naming the known keys. */
export function checkContextKeys(context: Record<string, unknown>): void {
  const known = Object.keys(CONTEXT_SETTINGS);
  const unknown = Object.keys(context).filter((key) => !isCdkOwnKey(key) && !(key in CONTEXT_SETTINGS));
  if (unknown.length === 0) return;
  const described = unknown.map((key) => {
    const near = known.find(
      (candidate) => candidate.toLowerCase() === key.toLowerCase() || distance(candidate, key) <= 2,
    );
    return near ? `${key} (did you mean ${near}?)` : key;
  });
  throw new SettingsError(
    `Unknown context key${unknown.length > 1 ? 's' : ''} ${described.join(', ')}. Known keys: ${known.join(', ')} (docs/configuration.md).`,
  );
}

/** The typed value of a context key: the given value, else its declared default; a malformed value is refused. */
export function readContext(context: Record<string, unknown>) {
  const raw = (key: ContextKey): string | undefined => {
    const value = context[key] ?? DECLARED[key]?.default;
    return value === undefined || value === '' ? undefined : String(value);
  };
  const fail = (key: ContextKey, value: string, expected: string) => {
    throw new SettingsError(`Context ${key}=${value} is not ${expected} (docs/configuration.md).`);
  };
  return {
    string: (key: ContextKey) => raw(key),
    boolean(key: ContextKey): boolean {
      const value = raw(key) ?? 'false';
      if (value !== 'true' && value !== 'false') fail(key, value, 'true or false');
      return value === 'true';
    },
    number(key: ContextKey): number | undefined {
      const value = raw(key);
      if (value === undefined) return undefined;
      if (!Number.isFinite(Number(value))) fail(key, value, 'a number');
      return Number(value);
    },
    list: (key: ContextKey): string[] =>
      (raw(key) ?? '')
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    url(key: ContextKey): string | undefined {
      const value = raw(key);
      if (value !== undefined && !/^https:\/\/\S+$/.test(value)) fail(key, value, 'an https URL');
      return value;
    },
    email(key: ContextKey): string | undefined {
      const value = raw(key);
      if (value !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value))
        fail(key, value, 'an email address');
      return value;
    },
  };
}

const cell = (text: string) => text.replaceAll('|', '\\|');

/** The Markdown reference table of the context values, as docs/configuration.md shows it. */
export function contextSettingsTable(): string {
  const rows = Object.entries(CONTEXT_SETTINGS).map(
    ([key, setting]: [string, SettingDeclaration]) =>
      `| \`${key}\` | ${setting.type} | ${setting.default === undefined ? 'unset' : `\`${setting.default}\``} | ${cell(setting.description)} |`,
  );
  return [
    '| context key (`-c key=value`) | type | default | description |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** A declared variable's limits in words, for the reference table. */
function limits(setting: EnvSetting): string {
  const { min, max } = setting;
  const range =
    min !== undefined && max !== undefined
      ? `${min} to ${max}`
      : min !== undefined
        ? `at least ${min}`
        : max !== undefined
          ? `at most ${max}`
          : undefined;
  if (setting.type === 'choice') return (setting.choices ?? []).join(', ');
  if (setting.type === 'integer' || setting.type === 'number') {
    return [range, setting.positive ? 'above 0' : undefined].filter(Boolean).join(', ');
  }
  if (min === 1 && max === undefined) return 'non-empty';
  if (range) return `${range} characters`;
  return '';
}

/** The Markdown reference table of the environment settings, as docs/configuration.md shows it. */
export function envSettingsTable(): string {
  const rows = Object.entries(ENV_SETTINGS).map(([name, setting]: [string, EnvSetting]) => {
    const type = [setting.type, limits(setting)].filter(Boolean).join(': ');
    const fallback = setting.default === undefined ? 'unset' : `\`${setting.default}\``;
    return `| \`${name}\` | ${cell(type)} | ${cell(fallback)} | ${setting.sections.join(', ')} | ${cell(setting.description)} | ${cell(setting.local ?? '')} |`;
  });
  return [
    '| variable | type | default | read by | description | under `npm start` |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

export const SETTINGS_BEGIN = '<!-- settings:begin -->';
export const SETTINGS_END = '<!-- settings:end -->';
export const ENV_SETTINGS_BEGIN = '<!-- env-settings:begin -->';
export const ENV_SETTINGS_END = '<!-- env-settings:end -->';

/** The document with `table` put between the markers `begin` and `end` (which must both be there). */
function withTable(markdown: string, begin: string, end: string, source: string, table: string): string {
  const from = markdown.indexOf(begin);
  const to = markdown.indexOf(end);
  if (from < 0 || to < from) throw new Error(`the markers ${begin} and ${end} are missing`);
  const generated = [
    `<!-- Generated from ${source} by \`npm run docs:settings\`; edit the declarations there, not this table. -->`,
    '',
    table,
  ].join('\n');
  return `${markdown.slice(0, from + begin.length)}\n${generated}\n${markdown.slice(to)}`;
}

/** A Markdown document with both generated tables put between their markers: context values and environment. */
export function withSettingsTable(markdown: string): string {
  const context = withTable(
    markdown,
    SETTINGS_BEGIN,
    SETTINGS_END,
    'lib/settings.ts',
    contextSettingsTable(),
  );
  return withTable(context, ENV_SETTINGS_BEGIN, ENV_SETTINGS_END, 'shared/settings.ts', envSettingsTable());
}

/** The fraud guard's context keys and the variables they set on the SMS-sending functions (shared/config.ts). */
export const FRAUD_GUARD_CONTEXT = {
  smsFraudProtection: 'SMS_FRAUD_PROTECTION',
  smsClientHourlyCap: 'SMS_CLIENT_HOURLY_CAP',
  smsClientDailyCap: 'SMS_CLIENT_DAILY_CAP',
  smsClientCaps: 'SMS_CLIENT_CAPS',
  smsGlobalHourlyCap: 'SMS_GLOBAL_HOURLY_CAP',
} as const;
