import { DEFAULT_SMS_COUNTRIES } from '../config.ts';

/**
 * Which settings of the configuration reference `npm start` takes from its environment, and which it fixes.
 * A setting is fixed locally when the local runtime itself is the value: the table DynamoDB Local holds, the outbox
 * instead of SNS, the development token issuer, secrets generated per run (or kept with --persist), and the AWS
 * resources (bus, queues, KMS key) that local mode replaces with in-process code.
 */
export const LOCAL_DEFAULTS: Readonly<Record<string, string | undefined>> = {
  OTP_TTL_SECONDS: '300',
  OTP_MAX_ATTEMPTS: '5',
  CODE_CHECKS_PER_DAY: '30',
  SMS_QUOTA_PER_HOUR: '60',
  SMS_PER_PERSON_PER_HOUR: '30',
  SMS_SENDER_ID: undefined,
  SMS_COUNTRIES: DEFAULT_SMS_COUNTRIES,
  COOLING_OFF_SECONDS: '86400',
  WEBHOOK_VERIFY_TIMEOUT_MS: '5000',
  WEBHOOK_DELIVERY_TIMEOUT_MS: '30000',
  // Deployed defaults are 60 s and 6 h; a developer watching the console should see a retry within seconds.
  WEBHOOK_RETRY_BASE_SECONDS: '1',
  WEBHOOK_RETRY_MAX_DELAY_SECONDS: '30',
  WEBHOOK_RETRY_WINDOW_SECONDS: '432000',
  WEBHOOK_MAX_SUBSCRIPTIONS: '100',
  EVENT_RELAY_POLL_MS: '250',
  FUNCTION_TIMEOUT_SECONDS: '10',
  AUTH_PARTNER_SCOPE: 'phone-security/partner',
  AUTH_USER_SCOPE: 'phone-security/user',
  AUTH_OPERATOR_SCOPE: 'phone-security/operator',
  AUTH_USER_ID_CLAIM: 'sub',
  RESOURCE_OWNER_ID: undefined,
};

/** Fixed under `npm start`, with the reason the docs give (docs/configuration.md). */
export const FIXED_LOCALLY: Readonly<Record<string, string>> = {
  TABLE_NAME: 'the table in DynamoDB Local',
  DYNAMODB_ENDPOINT: 'the DynamoDB Local that npm start launches',
  OTP_PEPPER: 'generated per run, or kept under the data directory with --persist',
  OTP_PEPPER_SECRET_ARN: 'no Secrets Manager locally',
  SMS_ADAPTER: 'SMS go to the local outbox, never to SNS',
  SANDBOX_ENABLED: 'the sandbox number is always on locally',
  WEBHOOK_SECRET_KEY: 'generated per run, or kept under the data directory with --persist',
  WEBHOOK_SECRET_KEY_ARN: 'no Secrets Manager locally',
  WEBHOOK_ALLOW_LOCAL_HTTP: 'local receivers on 127.0.0.1 are the point of local mode',
  AUTH_ISSUER: 'the development issuer that npm run token shares',
  EVENT_BUS_NAME: 'the event relay runs in-process',
  WEBHOOK_DELIVERY_QUEUE_URL: 'deliveries are queued in-process',
  WEBHOOK_DEAD_LETTER_QUEUE_URL: 'deliveries are queued in-process',
  RECEIPT_KEY_ID: 'receipts are signed with a key generated per run, not KMS',
  RECEIPT_RETIRED_KEY_IDS: 'receipts are signed with a key generated per run, not KMS',
};

export interface LocalSettings {
  /** What to pass as the service's environment: every honoured setting that is set, over the local defaults. */
  env: Record<string, string>;
  /** `NAME=value` for each setting not at its local default, for the start banner. */
  changed: string[];
  /** Fixed settings found in the environment, which npm start ignores. */
  ignored: string[];
}

export function localSettings(source: NodeJS.ProcessEnv): LocalSettings {
  const env: Record<string, string> = {};
  const changed: string[] = [];
  for (const [name, fallback] of Object.entries(LOCAL_DEFAULTS)) {
    const value = source[name];
    if (value === undefined || value === '') {
      if (fallback !== undefined) env[name] = fallback;
      continue;
    }
    env[name] = value;
    if (value !== fallback) changed.push(`${name}=${value}`);
  }
  const ignored = Object.keys(FIXED_LOCALLY).filter(
    (name) => source[name] !== undefined && source[name] !== '',
  );
  return { env, changed, ignored };
}
