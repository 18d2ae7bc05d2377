/*
 * Every environment variable the service reads at run time (on Lambda and under `npm start`), declared once: its type,
 * default, limits, description, the configuration sections that read it, and what local mode fixes it to and why.
 * shared/config.ts reads variables only through `settingOf`, which throws at once for a name not declared here, so a
 * setting added without its declaration fails its first test run. The table in docs/configuration.md is generated
 * from this list (`npm run docs:settings`; test/cdk/settings.test.ts fails when the two differ).
 *
 * A platform module: it imports no concept of shared/, so every concept (and lib/) may import it.
 */

export type EnvSettingType =
  | 'string'
  | 'integer'
  | 'number'
  | 'boolean'
  | 'choice'
  | 'url'
  | 'countries'
  | 'list';

/**
 * What reads a variable: a section of shared/config.ts (each function reads only the sections its use cases need), or
 * `logging` (shared/logging.ts), `metrics` (shared/metrics.ts), `rotation` (functions/rotate-secret.ts), `local`
 * (bin/local.ts), which read through `envValue`.
 */
export type ConfigSection =
  | 'table'
  | 'region'
  | 'codes'
  | 'sandbox'
  | 'sms'
  | 'smsSender'
  | 'pepper'
  | 'webhooks'
  | 'auth'
  | 'scopes'
  | 'coolingOff'
  | 'fraudGuard'
  | 'passkeys'
  | 'idempotency'
  | 'receiptKey'
  | 'logging'
  | 'metrics'
  | 'rotation'
  | 'local';

export interface EnvSetting {
  type: EnvSettingType;
  /** The value used when the variable is unset or empty, as it would be written; undefined: none. */
  default: string | undefined;
  description: string;
  /** What reads it (see ConfigSection). */
  sections: readonly ConfigSection[];
  /** Under `npm start` the local service sets this itself: the value and why. */
  local?: string;
  /** Numbers: the allowed range; text: the allowed length. */
  min?: number;
  max?: number;
  /** Numbers: must be greater than zero. */
  positive?: boolean;
  pattern?: RegExp;
  choices?: readonly string[];
}

/** Where SMS may go unless SMS_COUNTRIES says otherwise: the countries of the service's five SMS languages. */
export const DEFAULT_SMS_COUNTRIES = 'DE,AT,FR,IT,ES';

/**
 * The timeout of the HTTP route functions. The stack deploys them with it and passes it as FUNCTION_TIMEOUT_SECONDS,
 * so that the Idempotency-Key lease of a running request outlives the run (shared/idempotency/idempotency.ts).
 */
export const ROUTE_TIMEOUT_SECONDS = 10;

const SCOPE = /^\S{1,128}$/;
const DAY = 24 * 3600;
const LOCAL_SECRET =
  'generated at start (kept in the data folder with --persist), since there is no Secrets Manager locally';

export const ENV_SETTINGS = {
  TABLE_NAME: {
    type: 'string',
    default: undefined,
    min: 1,
    sections: ['table'],
    description: 'The DynamoDB table (set by the stack).',
    local: '`phone-security`: the table the local service creates in DynamoDB Local',
  },
  AWS_REGION: {
    type: 'string',
    default: 'us-east-1',
    min: 1,
    sections: ['table', 'region', 'sms', 'smsSender', 'receiptKey'],
    description: 'The region of the AWS clients (set by the Lambda runtime).',
    local: '`us-east-1`: DynamoDB Local ignores the region',
  },
  DYNAMODB_ENDPOINT: {
    type: 'url',
    default: undefined,
    sections: ['table'],
    description: "DynamoDB Local's address; never set in a deployed stage.",
    local: 'the DynamoDB Local the service starts',
  },
  OTP_PEPPER_SECRET_ARN: {
    type: 'string',
    default: undefined,
    min: 1,
    sections: ['pepper'],
    description:
      'The Secrets Manager secret holding the OTP pepper, a keyring of versions re-read every 5 minutes (set by the stack; one of it or OTP_PEPPER is required where codes are hashed).',
  },
  OTP_PEPPER: {
    type: 'string',
    default: undefined,
    min: 32,
    sections: ['pepper'],
    description: 'The OTP pepper itself (local mode and tests only).',
    local: LOCAL_SECRET,
  },
  OTP_TTL_SECONDS: {
    type: 'integer',
    default: '300',
    min: 30,
    max: 3600,
    sections: ['codes'],
    description: 'Lifetime of an OTP and of a challenge, seconds.',
  },
  OTP_MAX_ATTEMPTS: {
    type: 'integer',
    default: '5',
    min: 1,
    max: 20,
    sections: ['codes'],
    description: 'Confirm attempts per OTP, signature checks per challenge.',
  },
  CODE_CHECKS_PER_DAY: {
    type: 'integer',
    default: '30',
    min: 5,
    max: 1000,
    sections: ['codes'],
    description:
      'Checks of one-time codes (OTP, TAN, removal code) per person in any rolling 24 hours, across all codes.',
  },
  SMS_QUOTA_PER_HOUR: {
    type: 'integer',
    default: '60',
    min: 1,
    max: 10_000,
    sections: ['sms'],
    description: 'SMS per number in any rolling hour.',
  },
  SMS_PER_PERSON_PER_HOUR: {
    type: 'integer',
    default: '30',
    min: 1,
    max: 10_000,
    sections: ['sms'],
    description:
      "SMS per person in any rolling hour; below the per-number quota so one person cannot spend a number's quota.",
  },
  SMS_ADAPTER: {
    type: 'choice',
    default: 'sns',
    choices: ['sns', 'outbox'],
    sections: ['sms', 'smsSender'],
    description: 'How SMS leave: through SNS, or into the local outbox.',
    local: '`outbox`: no SMS leaves the machine; they show at /_local/sms',
  },
  SMS_SENDER_ID: {
    type: 'string',
    default: undefined,
    pattern: /^[A-Za-z0-9]{1,11}$/,
    sections: ['sms', 'smsSender'],
    description: 'Alphanumeric SMS sender id, 1 to 11 letters and digits (stack context smsSenderId).',
  },
  SMS_COUNTRIES: {
    type: 'countries',
    default: DEFAULT_SMS_COUNTRIES,
    sections: ['sms'],
    description:
      'SMS pumping guard: countries (ISO 3166 alpha-2, comma-separated) SMS may go to, * for all (stack context smsCountries); others answer 422 sms_country_not_allowed / gRPC 9.',
  },
  SANDBOX_ENABLED: {
    type: 'boolean',
    default: 'false',
    sections: ['sandbox', 'sms'],
    description:
      'Accept the sandbox number +15550101 with its fixed OTP 212212 (stack context sandbox); read where numbers are registered or codes are sent.',
    local: '`true`: the walkthroughs and tests use the sandbox number',
  },
  COOLING_OFF_PAYMENT_THRESHOLD: {
    type: 'integer',
    default: '0',
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    sections: ['coolingOff'],
    description:
      'Payments during a cooling-off window: one below this amount (minor units of COOLING_OFF_PAYMENT_CURRENCY) may still be authorized; 0 refuses every payment during the window.',
  },
  COOLING_OFF_PAYMENT_CURRENCY: {
    type: 'string',
    default: 'EUR',
    pattern: /^[A-Z]{3}$/,
    sections: ['coolingOff'],
    description:
      'The currency of COOLING_OFF_PAYMENT_THRESHOLD (ISO 4217); payments in other currencies are refused.',
  },
  SMS_FRAUD_PROTECTION: {
    type: 'choice',
    default: 'standard',
    choices: ['off', 'basic', 'standard', 'max'],
    sections: ['fraudGuard'],
    description:
      "The fraud guard's prefix protection against SMS pumping (docs/fraud-guard.md); refused SMS answer 403 sms_destination_blocked. Stack context smsFraudProtection.",
  },
  SMS_CLIENT_HOURLY_CAP: {
    type: 'integer',
    default: '1000',
    min: 1,
    max: 100_000_000,
    sections: ['fraudGuard'],
    description:
      "Code SMS per partner client (the token's client_id; the end-user API counts as one client) per clock hour; beyond it 429 sms_cap_reached. Stack context smsClientHourlyCap.",
  },
  SMS_CLIENT_DAILY_CAP: {
    type: 'integer',
    default: '10000',
    min: 1,
    max: 100_000_000,
    sections: ['fraudGuard'],
    description: 'Code SMS per partner client per UTC day. Stack context smsClientDailyCap.',
  },
  SMS_CLIENT_CAPS: {
    type: 'string',
    default: undefined,
    max: 4096,
    sections: ['fraudGuard'],
    description:
      'Per-client caps instead of those two: client-a:5000/50000,client-b:100/1000 (hourly/daily). Stack context smsClientCaps.',
  },
  SMS_GLOBAL_HOURLY_CAP: {
    type: 'integer',
    default: '5000',
    min: 1,
    max: 100_000_000,
    sections: ['fraudGuard'],
    description:
      'Code SMS of all clients together per clock hour, set below what the SNS spend limit leaves; beyond it 503 sms_paused and an alarm. Stack context smsGlobalHourlyCap.',
  },
  COOLING_OFF_SECONDS: {
    type: 'integer',
    default: String(DAY),
    min: 0,
    max: 30 * DAY,
    sections: ['coolingOff'],
    description:
      "SIM-swap cooling-off: how long after a reset or a verified number's removal device steps are refused (0 turns it off).",
  },
  WEBHOOK_SECRET_KEY_ARN: {
    type: 'string',
    default: undefined,
    min: 1,
    sections: ['webhooks'],
    description:
      'The Secrets Manager secret holding the key that seals webhook signing secrets, a keyring re-read every 5 minutes (set by the stack).',
  },
  WEBHOOK_SECRET_KEY: {
    type: 'string',
    default: undefined,
    min: 32,
    sections: ['webhooks'],
    description: 'The sealing key itself (local mode and tests only).',
    local: LOCAL_SECRET,
  },
  WEBHOOK_ALLOW_LOCAL_HTTP: {
    type: 'boolean',
    default: 'false',
    sections: ['webhooks'],
    description:
      'Allow http://127.0.0.1, [::1] and localhost subscription URLs; never set in a deployed stage.',
    local: '`true`: receivers run on this machine',
  },
  WEBHOOK_VERIFY_TIMEOUT_MS: {
    type: 'integer',
    default: '5000',
    min: 100,
    max: 30_000,
    sections: ['webhooks'],
    description: 'Timeout of the subscription check POST, ms.',
  },
  WEBHOOK_DELIVERY_TIMEOUT_MS: {
    type: 'integer',
    default: '30000',
    min: 100,
    max: 60_000,
    sections: ['webhooks'],
    description: 'Timeout of a delivery, ms.',
  },
  WEBHOOK_RETRY_BASE_SECONDS: {
    type: 'number',
    default: '60',
    positive: true,
    max: 86_400,
    sections: ['webhooks'],
    description: 'First retry delay, seconds; each further retry doubles it, up to the maximum delay.',
    local: '`1`: a failed delivery is retried while you watch',
  },
  WEBHOOK_RETRY_MAX_DELAY_SECONDS: {
    type: 'number',
    default: String(6 * 3600),
    positive: true,
    max: 86_400,
    sections: ['webhooks'],
    description: 'Longest delay between retries, seconds.',
    local: '`30`: as above',
  },
  WEBHOOK_RETRY_WINDOW_SECONDS: {
    type: 'number',
    default: String(5 * DAY),
    positive: true,
    sections: ['webhooks'],
    description:
      'How long a delivery is retried, counted from its first attempt, before it goes to the dead-letter queue.',
  },
  WEBHOOK_MAX_SUBSCRIPTIONS: {
    type: 'integer',
    default: '100',
    min: 1,
    max: 10_000,
    sections: ['webhooks'],
    description: 'Webhook subscriptions that may exist at once.',
  },
  EVENT_BUS_NAME: {
    type: 'string',
    default: undefined,
    min: 1,
    sections: ['webhooks'],
    description: 'The EventBridge bus the relay publishes to (set by the stack).',
  },
  WEBHOOK_DELIVERY_QUEUE_URL: {
    type: 'url',
    default: undefined,
    sections: ['webhooks'],
    description: 'The queue of single deliveries, one message per subscription and event (set by the stack).',
  },
  WEBHOOK_DEAD_LETTER_QUEUE_URL: {
    type: 'url',
    default: undefined,
    sections: ['webhooks'],
    description: "The delivery queue's dead-letter queue (set by the stack).",
  },
  EVENT_RELAY_POLL_MS: {
    type: 'integer',
    default: '250',
    min: 10,
    max: 60_000,
    sections: ['webhooks'],
    description: "Local mode: how often the in-process relay polls the table's stream, ms.",
  },
  AUTH_ISSUER: {
    type: 'string',
    default: undefined,
    min: 1,
    sections: ['auth'],
    description:
      'The token issuer the API trusts (set by the stack); the gateway checks the signature, the pipeline checks iss again when set.',
    local: 'the local development issuer, whose tokens `npm run token` makes',
  },
  AUTH_PARTNER_SCOPE: {
    type: 'string',
    default: 'phone-security/partner',
    pattern: SCOPE,
    sections: ['auth', 'scopes'],
    description: 'Scope a partner (client-credentials) token must carry.',
  },
  AUTH_USER_SCOPE: {
    type: 'string',
    default: 'phone-security/user',
    pattern: SCOPE,
    sections: ['auth', 'scopes'],
    description: "Scope an end user's token must carry.",
  },
  AUTH_OPERATOR_SCOPE: {
    type: 'string',
    default: 'phone-security/operator',
    pattern: SCOPE,
    sections: ['auth', 'scopes'],
    description: 'Scope an operator (customer support) token must carry.',
  },
  AUTH_USER_ID_CLAIM: {
    type: 'string',
    default: 'sub',
    pattern: /^[\w:./-]{1,128}$/,
    sections: ['auth'],
    description: 'The claim of a user token that holds the person id (stack context userIdClaim).',
  },
  RESOURCE_OWNER_ID: {
    type: 'string',
    default: undefined,
    min: 1,
    max: 128,
    sections: ['auth'],
    description:
      "resourceOwner in the end-user API's details: this organisation id, or the person id when unset (stack context resourceOwnerId).",
  },
  FUNCTION_TIMEOUT_SECONDS: {
    type: 'integer',
    default: String(ROUTE_TIMEOUT_SECONDS),
    min: 1,
    max: 900,
    sections: ['idempotency'],
    description:
      'The timeout the stack deploys partner write routes with; the Idempotency-Key lease of a running request is this plus 20 s.',
  },
  RECEIPT_ISSUER: {
    type: 'string',
    default: undefined,
    min: 1,
    max: 512,
    sections: ['receiptKey'],
    description: "The SCA receipts' iss: which service and stage signed them (set by the stack).",
  },
  RECEIPT_KEY_ID: {
    type: 'string',
    default: undefined,
    min: 1,
    max: 2048,
    sections: ['receiptKey'],
    description:
      'The KMS key (ECC_NIST_P256, SIGN_VERIFY) that signs SCA receipts (set by the stack on the routes that sign or publish receipts).',
  },
  RECEIPT_RETIRED_KEY_IDS: {
    type: 'list',
    default: undefined,
    sections: ['receiptKey'],
    description:
      'Comma-separated receipt keys that no longer sign but stay in the JWKS after a rotation (stack context retiredReceiptKeyArns).',
  },
  LOG_LEVEL: {
    type: 'choice',
    default: 'info',
    choices: ['debug', 'info', 'warn', 'error'],
    sections: ['logging'],
    description: 'The lowest level logged.',
  },
  LOG_SILENT: {
    type: 'boolean',
    default: 'false',
    sections: ['logging'],
    description: 'true writes no log lines (tests set it).',
    local: '`true` (unless set): the console shows what happens; the terminal keeps the banner',
  },
  METRICS_SERVICE: {
    type: 'string',
    default: 'phone-security',
    sections: ['metrics'],
    description: 'The Service dimension of the EMF metrics (the stack sets its name).',
  },
  METRICS_DISABLED: {
    type: 'boolean',
    default: 'false',
    sections: ['metrics'],
    description: 'true writes no EMF documents.',
    local: '`true` (unless set): there is no CloudWatch to read them',
  },
  KEYRING_KEEP: {
    type: 'string',
    default: '2',
    pattern: /^(all|[1-9]\d*)$/,
    sections: ['rotation'],
    description:
      'Versions a rotated keyring keeps: 2 for the OTP pepper (current and previous), all for the webhook sealing key, whose old seals must still open (set by the stack).',
  },
  WEBAUTHN_RP_ID: {
    type: 'string',
    default: undefined,
    sections: ['passkeys'],
    description:
      "Passkeys' relying party id: the bank's domain (not an IP address); unset leaves passkeys off and their routes answer 409 passkeys_not_configured (docs/passkeys.md). Stack context passkeyRpId.",
    local: '`localhost`: WebAuthn refuses IP addresses, so the passkey page runs on http://localhost',
  },
  WEBAUTHN_RP_NAME: {
    type: 'string',
    default: undefined,
    max: 64,
    sections: ['passkeys'],
    description:
      'What the authenticator shows as the service name (default: the RP id). Stack context passkeyRpName.',
  },
  WEBAUTHN_ORIGINS: {
    type: 'list',
    default: undefined,
    sections: ['passkeys'],
    description:
      'Origins assertions may come from, comma-separated: https origins within the RP id, http://localhost locally, android:apk-key-hash:<hash> for Android apps. Stack context passkeyOrigins.',
    local: '`http://localhost:<port>`: the local server',
  },
  PORT: {
    type: 'integer',
    default: '3000',
    min: 1,
    max: 65_535,
    sections: ['local'],
    description: '`npm start` only: the port the local service listens on, on 127.0.0.1.',
  },
} as const satisfies Record<string, EnvSetting>;

export type EnvName = keyof typeof ENV_SETTINGS;

/** An environment variable read without a declaration above: a programming error, refused at once. */
export class UndeclaredSettingError extends Error {
  override name = 'UndeclaredSettingError';
}

/** The declaration of a variable; throws for a name that is not declared. */
export function settingOf(name: EnvName): EnvSetting {
  const setting: EnvSetting | undefined = Object.hasOwn(ENV_SETTINGS, name) ? ENV_SETTINGS[name] : undefined;
  if (!setting) {
    throw new UndeclaredSettingError(
      `Environment variable ${String(name)} is read but not declared in shared/settings.ts`,
    );
  }
  return setting;
}

/** A declared variable's value, or its declared default when unset or empty (for readers outside shared/config.ts). */
export function envValue(name: EnvName, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const setting = settingOf(name);
  const value = env[name];
  return value === undefined || value === '' ? setting.default : value;
}
