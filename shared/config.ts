import { z } from 'zod';

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
  SMS_QUOTA_PER_HOUR: z.coerce.number().int().min(1).max(10_000).default(60),
  SMS_ADAPTER: z.enum(['sns', 'outbox']).default('sns'),
  SMS_SENDER_ID: z
    .string()
    .regex(/^[A-Za-z0-9]{1,11}$/)
    .optional(),
  /** The sandbox number +15550101 with its fixed OTP 212212 is accepted only where this is true. */
  SANDBOX_ENABLED: z.enum(['true', 'false']).default('false'),
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
  smsQuotaPerHour: number;
  smsAdapter: 'sns' | 'outbox';
  smsSenderId: string | undefined;
  sandboxEnabled: boolean;
  auth: {
    issuer: string | undefined;
    partnerScope: string;
    userScope: string;
    userIdClaim: string;
    resourceOwnerId: string | undefined;
  };
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
    smsQuotaPerHour: e.SMS_QUOTA_PER_HOUR,
    smsAdapter: e.SMS_ADAPTER,
    smsSenderId: e.SMS_SENDER_ID,
    sandboxEnabled: e.SANDBOX_ENABLED === 'true',
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
