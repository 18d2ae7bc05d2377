import {
  DEFAULT_SMS_COUNTRIES,
  type EnvName,
  envValue,
  ROUTE_TIMEOUT_SECONDS,
  settingOf,
} from './settings.ts';

/** The fraud guard's protection levels (shared/fraud-guard/, docs/fraud-guard.md). */
export const PROTECTION_LEVELS = ['off', 'basic', 'standard', 'max'] as const;
export type ProtectionLevel = (typeof PROTECTION_LEVELS)[number];

export interface FraudGuardSettings {
  level: ProtectionLevel;
  clientHourlyCap: number;
  clientDailyCap: number;
  /** Per-client overrides of the two caps, by requester id (`client_id` of the partner token). */
  clientCaps: ReadonlyMap<string, { hourly: number; daily: number }>;
  globalHourlyCap: number;
}

export { DEFAULT_SMS_COUNTRIES, ROUTE_TIMEOUT_SECONDS };

/**
 * All configuration is read here, once, from the environment, and only through the declarations in
 * shared/settings.ts: their defaults and limits apply, and a variable read without one throws at once. A missing or
 * malformed variable fails the cold start with a message naming it, instead of failing a request later. Read by hand
 * rather than through a schema library: this runs in every cold start, and a zod schema of these ~35 variables cost
 * about 15 ms there (measured with the bench's cold-init section).
 */
class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  private raw(name: EnvName): string | undefined {
    const value = this.env[name];
    return value === undefined || value === '' ? undefined : value;
  }

  /** Whether the variable is set (declared or not, it must be). */
  has(name: EnvName): boolean {
    settingOf(name);
    return this.raw(name) !== undefined;
  }

  /** A text value: its declared default when unset, and required when it has none. */
  text(name: EnvName): string {
    const setting = settingOf(name);
    const value = this.raw(name) ?? setting.default;
    if (value === undefined) {
      this.problems.push(`${name}: is required`);
      return '';
    }
    this.check(name, value);
    return value;
  }

  /** A text value that may be unset. */
  optional(name: EnvName): string | undefined {
    const setting = settingOf(name);
    const value = this.raw(name) ?? setting.default;
    if (value === undefined) return undefined;
    this.check(name, value);
    if (setting.type === 'url' && !URL.canParse(value)) this.problems.push(`${name}: must be a URL`);
    return value;
  }

  number(name: EnvName): number {
    const setting = settingOf(name);
    const raw = this.raw(name) ?? setting.default;
    if (raw === undefined) throw new Error(`${name} is read as a number but declares no default`);
    const value = Number(raw);
    const { min, max } = setting;
    if (!Number.isFinite(value)) this.problems.push(`${name}: must be a number`);
    else if (setting.type === 'integer' && !Number.isInteger(value))
      this.problems.push(`${name}: must be an integer`);
    else if (setting.positive && value <= 0) this.problems.push(`${name}: must be positive`);
    else if (min !== undefined && value < min) this.problems.push(`${name}: must be >= ${min}`);
    else if (max !== undefined && value > max) this.problems.push(`${name}: must be <= ${max}`);
    return value;
  }

  choice<T extends string>(name: EnvName): T {
    const setting = settingOf(name);
    const choices = setting.type === 'boolean' ? ['true', 'false'] : (setting.choices ?? []);
    const value = this.raw(name) ?? setting.default ?? '';
    if (!choices.includes(value)) this.problems.push(`${name}: must be one of ${choices.join(', ')}`);
    return value as T;
  }

  flag(name: EnvName): boolean {
    return this.choice(name) === 'true';
  }

  private check(name: EnvName, value: string) {
    const { min, max, pattern } = settingOf(name);
    if (min !== undefined && value.length < min) {
      this.problems.push(`${name}: must be at least ${min} characters`);
    } else if (max !== undefined && value.length > max) {
      this.problems.push(`${name}: must be at most ${max} characters`);
    } else if (pattern && !pattern.test(value)) {
      this.problems.push(`${name}: has an invalid format`);
    }
  }

  /** Throws one error naming every problem found. */
  done(): void {
    if (this.problems.length > 0) throw new Error(`Invalid configuration: ${this.problems.join('; ')}`);
  }
}

export interface Config {
  tableName: string;
  region: string;
  dynamoEndpoint: string | undefined;
  pepper: { kind: 'value'; value: string } | { kind: 'secret'; arn: string } | undefined;
  otpTtlSeconds: number;
  otpMaxAttempts: number;
  codeChecksPerDay: number;
  smsQuotaPerHour: number;
  smsPerPersonPerHour: number;
  smsAdapter: 'sns' | 'outbox';
  smsSenderId: string | undefined;
  sandboxEnabled: boolean;
  /** Destination countries SMS may go to (ISO 3166 alpha-2), or every country. */
  smsCountries: ReadonlySet<string> | 'all';
  /** SIM-swap cooling-off: how long after a reset or a verified number's removal device steps are refused. */
  coolingOffSeconds: number;
  /**
   * Payments during a cooling-off window: one below this amount (minor units of `coolingOffPaymentCurrency`) may
   * still be authorized. 0, the default, refuses every payment during the window.
   */
  coolingOffPaymentThreshold: number;
  coolingOffPaymentCurrency: string;
  /** The fraud guard against SMS pumping: protection level and caps (shared/fraud-guard/). */
  fraudGuard: FraudGuardSettings;
  webhooks: WebhookConfig;
  auth: AuthConfig;
  /** The passkeys' relying party (passkeySection below); undefined while passkeys are off. */
  passkeys: PasskeySettings | undefined;
}

export interface WebhookConfig {
  secretKey: { kind: 'value'; value: string } | { kind: 'secret'; arn: string } | undefined;
  allowLocalHttp: boolean;
  verifyTimeoutMs: number;
  deliveryTimeoutMs: number;
  retryBaseSeconds: number;
  retryMaxDelaySeconds: number;
  retryWindowSeconds: number;
  maxSubscriptions: number;
  eventBusName: string | undefined;
  deliveryQueueUrl: string | undefined;
  deadLetterQueueUrl: string | undefined;
  relayPollMs: number;
}

export interface AuthConfig {
  issuer: string | undefined;
  partnerScope: string;
  userScope: string;
  operatorScope: string;
  userIdClaim: string;
  resourceOwnerId: string | undefined;
}

/**
 * Configuration is read by sections: each function reads only the sections its use cases need, so no function is
 * given (or must be given a placeholder for) a setting it does not use. `loadConfig` reads them all (local mode,
 * tests, tools).
 */
export type TableSection = Pick<Config, 'tableName' | 'region' | 'dynamoEndpoint'>;
export type CodeSection = Pick<Config, 'otpTtlSeconds' | 'otpMaxAttempts' | 'codeChecksPerDay'>;
/** Read where the sandbox number is accepted: where numbers are registered or codes are sent to them. */
export type SandboxSection = Pick<Config, 'sandboxEnabled'>;
export type SmsSection = Pick<
  Config,
  | 'smsQuotaPerHour'
  | 'smsPerPersonPerHour'
  | 'smsAdapter'
  | 'smsSenderId'
  | 'sandboxEnabled'
  | 'smsCountries'
  | 'region'
>;

export type CoolingOffSection = Pick<
  Config,
  'coolingOffSeconds' | 'coolingOffPaymentThreshold' | 'coolingOffPaymentCurrency'
>;

/**
 * A country allow-list: comma-separated ISO 3166 alpha-2 codes, or `*` for every country. Only the form is checked
 * here (configuration imports no concept); that each code is a country with SMS service is checked where the SMS
 * dispatcher is composed (shared/sms/sms-countries.ts, `requireKnownCountries`), at cold start.
 */
export function parseCountryList(text: string): ReadonlySet<string> | 'all' {
  if (text.trim() === '*') return 'all';
  const codes = text
    .split(',')
    .map((code) => code.trim().toUpperCase())
    .filter(Boolean);
  const malformed = codes.filter((code) => !/^[A-Z]{2}$/.test(code));
  if (codes.length === 0 || malformed.length > 0) {
    throw new Error(`not a list of ISO 3166 country codes: ${malformed.join(',') || text}`);
  }
  return new Set(codes);
}

function smsCountries(text: string, read: EnvReader): ReadonlySet<string> | 'all' {
  try {
    return parseCountryList(text);
  } catch (error) {
    read.problems.push(`SMS_COUNTRIES: ${(error as Error).message}`);
    return new Set();
  }
}

function tableFrom(read: EnvReader): TableSection {
  return {
    tableName: read.text('TABLE_NAME'),
    region: regionFrom(read),
    /** Set only locally and in tests: DynamoDB Local's address. */
    dynamoEndpoint: read.optional('DYNAMODB_ENDPOINT'),
  };
}

const regionFrom = (read: EnvReader) => read.text('AWS_REGION');

function codesFrom(read: EnvReader): CodeSection {
  return {
    otpTtlSeconds: read.number('OTP_TTL_SECONDS'),
    otpMaxAttempts: read.number('OTP_MAX_ATTEMPTS'),
    /** Checks of one-time codes (OTP, TAN, removal code) per person in any rolling 24 hours, across all codes. */
    codeChecksPerDay: read.number('CODE_CHECKS_PER_DAY'),
  };
}

function sandboxFrom(read: EnvReader): SandboxSection {
  /** The sandbox number +15550101 with its fixed OTP 212212 is accepted only where this is true. */
  return { sandboxEnabled: read.flag('SANDBOX_ENABLED') };
}

/** How SMS leave the function: the adapter, its region and sender id (the SNS adapter's own settings). */
export type SmsSenderSection = Pick<Config, 'smsAdapter' | 'smsSenderId' | 'region'>;

function smsSenderFrom(read: EnvReader): SmsSenderSection {
  return {
    region: regionFrom(read),
    smsAdapter: read.choice<'sns' | 'outbox'>('SMS_ADAPTER'),
    smsSenderId: read.optional('SMS_SENDER_ID'),
  };
}

function smsFrom(read: EnvReader): SmsSection {
  return {
    ...smsSenderFrom(read),
    smsQuotaPerHour: read.number('SMS_QUOTA_PER_HOUR'),
    /** SMS per person in any rolling hour; below the per-number quota so one person cannot spend a number's quota. */
    smsPerPersonPerHour: read.number('SMS_PER_PERSON_PER_HOUR'),
    sandboxEnabled: read.flag('SANDBOX_ENABLED'),
    /** SMS pumping guard: SMS only to numbers of these countries (`*` for all). The stack sets context smsCountries. */
    smsCountries: smsCountries(read.text('SMS_COUNTRIES'), read),
  };
}

function coolingOffFrom(read: EnvReader): CoolingOffSection {
  return {
    /** 24 hours by default; 0 turns the window off; at most 30 days. */
    coolingOffSeconds: read.number('COOLING_OFF_SECONDS'),
    coolingOffPaymentThreshold: read.number('COOLING_OFF_PAYMENT_THRESHOLD'),
    coolingOffPaymentCurrency: read.text('COOLING_OFF_PAYMENT_CURRENCY'),
  };
}

export type FraudGuardSection = Pick<Config, 'fraudGuard'>;

/** `client-a:5000/50000,client-b:100/1000`: per-client hourly/daily caps that replace the defaults for those clients. */
function clientCaps(text: string | undefined, read: EnvReader): FraudGuardSettings['clientCaps'] {
  const caps = new Map<string, { hourly: number; daily: number }>();
  for (const entry of (text ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const match = /^(.{1,256}):(\d{1,9})\/(\d{1,9})$/.exec(entry);
    if (!match) {
      read.problems.push('SMS_CLIENT_CAPS: each entry must be <client id>:<hourly>/<daily>');
      continue;
    }
    caps.set(match[1]!, { hourly: Number(match[2]), daily: Number(match[3]) });
  }
  return caps;
}

function fraudGuardFrom(read: EnvReader): FraudGuardSection {
  return {
    fraudGuard: {
      /** The prefix guard's protection level (docs/fraud-guard.md); `off` keeps the caps. */
      level: read.choice<ProtectionLevel>('SMS_FRAUD_PROTECTION'),
      /** Code SMS one partner client (or the end-user API) may send per clock hour and per UTC day. */
      clientHourlyCap: read.number('SMS_CLIENT_HOURLY_CAP'),
      clientDailyCap: read.number('SMS_CLIENT_DAILY_CAP'),
      clientCaps: clientCaps(read.optional('SMS_CLIENT_CAPS'), read),
      /** Code SMS of all requesters together per clock hour: set it below what the SNS spend limit leaves. */
      globalHourlyCap: read.number('SMS_GLOBAL_HOURLY_CAP'),
    },
  };
}

/** Deployed mode: the Secrets Manager secret holding the OTP pepper. Local and test mode: the pepper itself. */
function pepperFrom(read: EnvReader): Config['pepper'] {
  const pepperArn = read.optional('OTP_PEPPER_SECRET_ARN');
  const pepperValue = read.optional('OTP_PEPPER');
  if (pepperArn) return { kind: 'secret', arn: pepperArn };
  if (pepperValue) return { kind: 'value', value: pepperValue };
  read.problems.push('one of OTP_PEPPER_SECRET_ARN or OTP_PEPPER is required');
  return undefined;
}

function webhooksFrom(read: EnvReader): WebhookConfig {
  /** Deployed mode: the secret holding the key that seals webhook secrets. Local and test mode: the key itself. */
  const webhookKeyArn = read.optional('WEBHOOK_SECRET_KEY_ARN');
  const webhookKeyValue = read.optional('WEBHOOK_SECRET_KEY');
  return {
    secretKey: webhookKeyArn
      ? { kind: 'secret', arn: webhookKeyArn }
      : webhookKeyValue
        ? { kind: 'value', value: webhookKeyValue }
        : undefined,
    /** Local mode only: lets subscriptions point at http://127.0.0.1 / localhost. Never set in a deployed stage. */
    allowLocalHttp: read.flag('WEBHOOK_ALLOW_LOCAL_HTTP'),
    verifyTimeoutMs: read.number('WEBHOOK_VERIFY_TIMEOUT_MS'),
    deliveryTimeoutMs: read.number('WEBHOOK_DELIVERY_TIMEOUT_MS'),
    /** First retry delay; each further retry doubles it, up to the maximum delay. Fractions allowed (local runs). */
    retryBaseSeconds: read.number('WEBHOOK_RETRY_BASE_SECONDS'),
    retryMaxDelaySeconds: read.number('WEBHOOK_RETRY_MAX_DELAY_SECONDS'),
    /** How long a delivery is retried, counted from its first attempt, before it goes to the dead-letter queue. */
    retryWindowSeconds: read.number('WEBHOOK_RETRY_WINDOW_SECONDS'),
    maxSubscriptions: read.number('WEBHOOK_MAX_SUBSCRIPTIONS'),
    /** Deployed mode: the EventBridge bus the relay publishes to. */
    eventBusName: read.optional('EVENT_BUS_NAME'),
    /** Deployed mode: the queue of single deliveries (one message per subscription and event) and its DLQ. */
    deliveryQueueUrl: read.optional('WEBHOOK_DELIVERY_QUEUE_URL'),
    deadLetterQueueUrl: read.optional('WEBHOOK_DEAD_LETTER_QUEUE_URL'),
    /** Local mode: how often the in-process relay polls the table's stream. */
    relayPollMs: read.number('EVENT_RELAY_POLL_MS'),
  };
}

function authFrom(read: EnvReader): AuthConfig {
  return {
    /**
     * The token issuer the API trusts. The gateway (API Gateway's JWT authorizer, or the local gateway) checks the
     * signature; the pipeline checks the issuer again when this is set.
     */
    issuer: read.optional('AUTH_ISSUER'),
    ...readScopes(read),
    /** The claim of a user token that holds the person id (Cognito access tokens: `sub` or `username`). */
    userIdClaim: read.text('AUTH_USER_ID_CLAIM'),
    /** `resourceOwner` in the end-user API's details: this organisation id, or the person id when unset. */
    resourceOwnerId: read.optional('RESOURCE_OWNER_ID'),
  };
}

export interface IdempotencySection {
  functionTimeoutSeconds: number;
}

function idempotencyFrom(read: EnvReader): IdempotencySection {
  return {
    functionTimeoutSeconds: read.number('FUNCTION_TIMEOUT_SECONDS'),
  };
}

/** Deployed mode: the KMS key that signs SCA receipts, and retired keys the JWKS still publishes (lib/receipt-key.ts). */
export interface ReceiptKeySection {
  region: string;
  /** The receipts' `iss`: which service and stage signed them (the stack sets it; see lib/receipt-key.ts). */
  receiptIssuer: string;
  receiptKeyId: string;
  retiredReceiptKeyIds: string[];
}

function receiptKeyFrom(read: EnvReader): ReceiptKeySection {
  return {
    region: regionFrom(read),
    receiptIssuer: read.text('RECEIPT_ISSUER'),
    receiptKeyId: read.text('RECEIPT_KEY_ID'),
    retiredReceiptKeyIds: (read.optional('RECEIPT_RETIRED_KEY_IDS') ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean),
  };
}

/** Reads one section; a missing or malformed variable fails with one error naming every problem. */
function section<T>(env: NodeJS.ProcessEnv, from: (read: EnvReader) => T): T {
  const read = new EnvReader(env);
  const value = from(read);
  read.done();
  return value;
}

export const tableSection = (env: NodeJS.ProcessEnv = process.env) => section(env, tableFrom);
export const regionSection = (env: NodeJS.ProcessEnv = process.env) => section(env, regionFrom);
export const codeSection = (env: NodeJS.ProcessEnv = process.env) => section(env, codesFrom);
export const sandboxSection = (env: NodeJS.ProcessEnv = process.env) => section(env, sandboxFrom);
export const smsSection = (env: NodeJS.ProcessEnv = process.env) => section(env, smsFrom);
export const smsSenderSection = (env: NodeJS.ProcessEnv = process.env) => section(env, smsSenderFrom);
export const pepperSection = (env: NodeJS.ProcessEnv = process.env) => section(env, pepperFrom);
export const webhookSection = (env: NodeJS.ProcessEnv = process.env) => section(env, webhooksFrom);
export const authSection = (env: NodeJS.ProcessEnv = process.env) => section(env, authFrom);
export const coolingOffSection = (env: NodeJS.ProcessEnv = process.env) => section(env, coolingOffFrom);
export const fraudGuardSection = (env: NodeJS.ProcessEnv = process.env) => section(env, fraudGuardFrom);
export const idempotencySection = (env: NodeJS.ProcessEnv = process.env) => section(env, idempotencyFrom);
export const receiptKeySection = (env: NodeJS.ProcessEnv = process.env) => section(env, receiptKeyFrom);

/** Every section at once (local mode, tests and tools); the pepper is optional here. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const read = new EnvReader(env);
  const config: Config = {
    ...tableFrom(read),
    pepper: read.has('OTP_PEPPER_SECRET_ARN') || read.has('OTP_PEPPER') ? pepperFrom(read) : undefined,
    ...codesFrom(read),
    ...sandboxFrom(read),
    ...smsFrom(read),
    ...coolingOffFrom(read),
    ...fraudGuardFrom(read),
    webhooks: webhooksFrom(read),
    auth: authFrom(read),
    passkeys: passkeySection(env),
  };
  read.done();
  return config;
}

/** Scope a partner (client-credentials) token must carry on the partner API, and one an end user's token must. */
function readScopes(read: EnvReader) {
  return {
    partnerScope: read.text('AUTH_PARTNER_SCOPE'),
    userScope: read.text('AUTH_USER_SCOPE'),
    operatorScope: read.text('AUTH_OPERATOR_SCOPE'),
  };
}

/** The two scope names alone (the token command needs them without the rest of the configuration). */
export function loadAuthScopes(env: NodeJS.ProcessEnv = process.env): {
  partnerScope: string;
  userScope: string;
  operatorScope: string;
} {
  const read = new EnvReader(env);
  const scopes = readScopes(read);
  read.done();
  return scopes;
}

/**
 * Passkeys' section. The relying party passkeys are bound to: its RP ID (a registrable domain; WebAuthn refuses IP addresses) and the
 * origins whose client data is accepted. Read once per cold start; a malformed value fails it, naming the variable.
 *
 * - `WEBAUTHN_RP_ID`: the bank's domain, e.g. `bank.example` (`localhost` in local mode).
 * - `WEBAUTHN_RP_NAME`: what the authenticator shows as the service's name (default: the RP ID).
 * - `WEBAUTHN_ORIGINS`: comma-separated. Web origins (`https://…`, or `http://localhost:<port>` for local runs), and
 *   Android app origins `android:apk-key-hash:<base64url SHA-256 of the signing certificate>`. An iOS app's passkeys
 *   carry the https origin of its associated domain, so it needs no entry of its own.
 *
 * Unset `WEBAUTHN_RP_ID` leaves passkeys off: their routes answer 409 `passkeys_not_configured`.
 */
export interface PasskeySettings {
  rpId: string;
  rpName: string;
  origins: readonly string[];
}

const RP_ID = /^(?=.{1,253}$)(localhost|([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})$/;
const WEB_ORIGIN = /^https:\/\/[a-z0-9.-]+(:\d{1,5})?$/;
const LOCAL_ORIGIN = /^http:\/\/localhost(:\d{1,5})?$/;
const ANDROID_ORIGIN = /^android:apk-key-hash:[A-Za-z0-9_-]{43}$/;

export const isAcceptableOrigin = (origin: string) =>
  WEB_ORIGIN.test(origin) || LOCAL_ORIGIN.test(origin) || ANDROID_ORIGIN.test(origin);

/** The passkey settings, or undefined when passkeys are off; throws naming every malformed variable. */
export function passkeySection(env: NodeJS.ProcessEnv = process.env): PasskeySettings | undefined {
  const rpId = envValue('WEBAUTHN_RP_ID', env)?.trim();
  if (!rpId) return undefined;
  const problems: string[] = [];
  if (!RP_ID.test(rpId)) problems.push('WEBAUTHN_RP_ID: must be a domain name (not an IP address)');
  const origins = (envValue('WEBAUTHN_ORIGINS', env) ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  if (origins.length === 0) problems.push('WEBAUTHN_ORIGINS: is required when WEBAUTHN_RP_ID is set');
  for (const origin of origins) {
    if (!isAcceptableOrigin(origin)) {
      problems.push(
        `WEBAUTHN_ORIGINS: ${origin} is not an https origin, http://localhost, or android:apk-key-hash:<hash>`,
      );
    } else if (/^https?:/.test(origin)) {
      // A web origin must lie within the RP ID's domain, or no browser would ever produce it for this RP.
      const host = new URL(origin).hostname;
      if (host !== rpId && !host.endsWith(`.${rpId}`)) {
        problems.push(`WEBAUTHN_ORIGINS: ${origin} is not within the RP ID ${rpId}`);
      }
    }
  }
  const rpName = envValue('WEBAUTHN_RP_NAME', env)?.trim() || rpId;
  if (rpName.length > 64) problems.push('WEBAUTHN_RP_NAME: must be at most 64 characters');
  if (problems.length > 0) throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  return { rpId, rpName, origins };
}
