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
  };
}
