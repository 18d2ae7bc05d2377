import * as z from 'zod';

/**
 * All configuration is read here, once, from the environment. A missing or malformed variable fails the cold start
 * with a message naming it, instead of failing a request later.
 */
const schema = z.object({
  TABLE_NAME: z.string().min(1),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  /** Set only locally and in tests: DynamoDB Local's address. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  /** Local and test mode: the OTP pepper itself (hex or text, at least 32 characters). */
  OTP_PEPPER: z.string().min(32).optional(),
  /** Deployed mode: the Secrets Manager secret holding the OTP pepper. */
  OTP_PEPPER_SECRET_ARN: z.string().min(1).optional(),
  OTP_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(300),
  OTP_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  /** Checks of one-time codes (OTP, TAN, removal code) per person in any rolling 24 hours, across all codes. */
  CODE_CHECKS_PER_DAY: z.coerce.number().int().min(5).max(1000).default(30),
  SMS_QUOTA_PER_HOUR: z.coerce.number().int().min(1).max(10_000).default(60),
  /** SMS per person in any rolling hour; below the per-number quota so one person cannot spend a number's quota. */
  SMS_PER_PERSON_PER_HOUR: z.coerce.number().int().min(1).max(10_000).default(30),
  SMS_ADAPTER: z.enum(['sns', 'outbox']).default('sns'),
  SMS_SENDER_ID: z
    .string()
    .regex(/^[A-Za-z0-9]{1,11}$/)
    .optional(),
  /** The sandbox number +15550101 with its fixed OTP 212212 is accepted only where this is true. */
  SANDBOX_ENABLED: z.enum(['true', 'false']).default('false'),
  /** Local and test mode: the key that seals webhook secrets (at least 32 characters). */
  WEBHOOK_SECRET_KEY: z.string().min(32).optional(),
  /** Deployed mode: the Secrets Manager secret holding the key that seals webhook secrets. */
  WEBHOOK_SECRET_KEY_ARN: z.string().min(1).optional(),
  /** Local mode only: lets subscriptions point at http://127.0.0.1 / localhost. Never set in a deployed stage. */
  WEBHOOK_ALLOW_LOCAL_HTTP: z.enum(['true', 'false']).default('false'),
  WEBHOOK_VERIFY_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(5000),
  WEBHOOK_DELIVERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(30_000),
  /** First retry delay; each further retry doubles it, up to the maximum delay. Fractions allowed (local runs). */
  WEBHOOK_RETRY_BASE_SECONDS: z.coerce.number().positive().max(86_400).default(60),
  WEBHOOK_RETRY_MAX_DELAY_SECONDS: z.coerce
    .number()
    .positive()
    .max(86_400)
    .default(6 * 3600),
  /** How long a delivery is retried, counted from its first attempt, before it goes to the dead-letter queue. */
  WEBHOOK_RETRY_WINDOW_SECONDS: z.coerce
    .number()
    .positive()
    .default(5 * 24 * 3600),
  WEBHOOK_MAX_SUBSCRIPTIONS: z.coerce.number().int().min(1).max(10_000).default(100),
  /** Deployed mode: the EventBridge bus the relay publishes to. */
  EVENT_BUS_NAME: z.string().min(1).optional(),
  /** Deployed mode: the queue of single deliveries (one message per subscription and event) and its DLQ. */
  WEBHOOK_DELIVERY_QUEUE_URL: z.url().optional(),
  WEBHOOK_DEAD_LETTER_QUEUE_URL: z.url().optional(),
  /** Local mode: how often the in-process relay polls the table's stream. */
  EVENT_RELAY_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(250),
  /**
   * The token issuer the API trusts. The gateway (API Gateway's JWT authorizer, or the local gateway) checks the
   * signature; the pipeline checks the issuer again when this is set.
   */
  AUTH_ISSUER: z.string().min(1).optional(),
  /** Scope a partner (client-credentials) token must carry on the partner API. */
  AUTH_PARTNER_SCOPE: z
    .string()
    .regex(/^\S{1,128}$/)
    .default('phone-security/partner'),
  /** Scope an end user's token must carry on the end-user API. */
  AUTH_USER_SCOPE: z
    .string()
    .regex(/^\S{1,128}$/)
    .default('phone-security/user'),
  /** The claim of a user token that holds the person id (Cognito access tokens: `sub` or `username`). */
  AUTH_USER_ID_CLAIM: z
    .string()
    .regex(/^[\w:./-]{1,128}$/)
    .default('sub'),
  /** `resourceOwner` in the end-user API's details: this organisation id, or the person id when unset. */
  RESOURCE_OWNER_ID: z.string().min(1).max(128).optional(),
});

export interface Config {
  tableName: string;
  region: string;
  dynamoEndpoint: string | undefined;
  pepper: { kind: 'value'; value: string } | { kind: 'secret'; arn: string };
  otpTtlSeconds: number;
  otpMaxAttempts: number;
  codeChecksPerDay: number;
  smsQuotaPerHour: number;
  smsPerPersonPerHour: number;
  smsAdapter: 'sns' | 'outbox';
  smsSenderId: string | undefined;
  sandboxEnabled: boolean;
  webhooks: WebhookConfig;
  auth: AuthConfig;
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
  userIdClaim: string;
  resourceOwnerId: string | undefined;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  let pepper: Config['pepper'];
  if (e.OTP_PEPPER_SECRET_ARN) pepper = { kind: 'secret', arn: e.OTP_PEPPER_SECRET_ARN };
  else if (e.OTP_PEPPER) pepper = { kind: 'value', value: e.OTP_PEPPER };
  else throw new Error('Invalid configuration: one of OTP_PEPPER_SECRET_ARN or OTP_PEPPER is required');
  return {
    tableName: e.TABLE_NAME,
    region: e.AWS_REGION,
    dynamoEndpoint: e.DYNAMODB_ENDPOINT,
    pepper,
    otpTtlSeconds: e.OTP_TTL_SECONDS,
    otpMaxAttempts: e.OTP_MAX_ATTEMPTS,
    codeChecksPerDay: e.CODE_CHECKS_PER_DAY,
    smsQuotaPerHour: e.SMS_QUOTA_PER_HOUR,
    smsPerPersonPerHour: e.SMS_PER_PERSON_PER_HOUR,
    smsAdapter: e.SMS_ADAPTER,
    smsSenderId: e.SMS_SENDER_ID,
    sandboxEnabled: e.SANDBOX_ENABLED === 'true',
    webhooks: {
      secretKey: e.WEBHOOK_SECRET_KEY_ARN
        ? { kind: 'secret', arn: e.WEBHOOK_SECRET_KEY_ARN }
        : e.WEBHOOK_SECRET_KEY
          ? { kind: 'value', value: e.WEBHOOK_SECRET_KEY }
          : undefined,
      allowLocalHttp: e.WEBHOOK_ALLOW_LOCAL_HTTP === 'true',
      verifyTimeoutMs: e.WEBHOOK_VERIFY_TIMEOUT_MS,
      deliveryTimeoutMs: e.WEBHOOK_DELIVERY_TIMEOUT_MS,
      retryBaseSeconds: e.WEBHOOK_RETRY_BASE_SECONDS,
      retryMaxDelaySeconds: e.WEBHOOK_RETRY_MAX_DELAY_SECONDS,
      retryWindowSeconds: e.WEBHOOK_RETRY_WINDOW_SECONDS,
      maxSubscriptions: e.WEBHOOK_MAX_SUBSCRIPTIONS,
      eventBusName: e.EVENT_BUS_NAME,
      deliveryQueueUrl: e.WEBHOOK_DELIVERY_QUEUE_URL,
      deadLetterQueueUrl: e.WEBHOOK_DEAD_LETTER_QUEUE_URL,
      relayPollMs: e.EVENT_RELAY_POLL_MS,
    },
    auth: {
      issuer: e.AUTH_ISSUER,
      partnerScope: e.AUTH_PARTNER_SCOPE,
      userScope: e.AUTH_USER_SCOPE,
      userIdClaim: e.AUTH_USER_ID_CLAIM,
      resourceOwnerId: e.RESOURCE_OWNER_ID,
    },
  };
}

/** The two scope names alone (the token command needs them without the rest of the configuration). */
export function loadAuthScopes(env: NodeJS.ProcessEnv = process.env): {
  partnerScope: string;
  userScope: string;
} {
  const parsed = schema.pick({ AUTH_PARTNER_SCOPE: true, AUTH_USER_SCOPE: true }).parse(env);
  return { partnerScope: parsed.AUTH_PARTNER_SCOPE, userScope: parsed.AUTH_USER_SCOPE };
}
