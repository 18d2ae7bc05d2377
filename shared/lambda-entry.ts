import type { Adapters } from './compose.ts';
import { smsSenderSection, tableSection } from './config.ts';
import type { ReceiptSigner } from './receipts/receipt-signer.ts';
import { HANDLER_GRANTS, type HandlerGrant, ROUTES, routeOf, usesTable } from './routes.ts';
import { OutboxSmsSender } from './sms/outbox-sms-sender.ts';
import type { SmsSender } from './sms/sms-port.ts';
import { createDocumentClient } from './storage/dynamo.ts';
import type { SecretReader } from './storage/secret-source.ts';

export type { Adapters } from './compose.ts';

/** The SDK adapters a handler hands `lambdaEntry`: exactly those its route is granted. */
export interface AwsAdapters {
  sms?: (region: string, senderId: string | undefined) => SmsSender;
  secrets?: (region: string) => SecretReader;
  /** The KMS receipt signer (shared/aws/kms-receipt-signer.ts), from RECEIPT_KEY_ID and RECEIPT_RETIRED_KEY_IDS. */
  receipts?: (env: NodeJS.ProcessEnv) => ReceiptSigner;
}

const awsKeyOf: Record<HandlerGrant, keyof AwsAdapters> = {
  sendsSms: 'sms',
  usesPepper: 'secrets',
  usesWebhookKey: 'secrets',
  signsReceipts: 'receipts',
  readsReceiptKeys: 'receipts',
};

/**
 * The check that a handler's imports match its grants: the SDK adapters it composes with must be exactly the ones
 * its route-table entry grants (SNS for `sendsSms`, Secrets Manager for a secret). Run when the module loads, on
 * Lambda and in tests alike, so a handler that sends SMS without SNS, or bundles a client it may not use, never
 * gets past its first import.
 */
export function checkGrants(operation: string, aws: AwsAdapters): void {
  const granted = new Set(HANDLER_GRANTS[operation]?.map((grant) => awsKeyOf[grant]) ?? []);
  const given = new Set(Object.keys(aws) as Array<keyof AwsAdapters>);
  const missing = [...granted].filter((key) => !given.has(key));
  const extra = [...given].filter((key) => !granted.has(key));
  if (missing.length > 0 || extra.length > 0) {
    throw new Error(
      `${operation}: composed with [${[...given].join(', ')}] but granted [${[...granted].join(', ')}]`,
    );
  }
}

/**
 * The adapters of a deployed function: the table client from its table section, and the SDK adapters it imports. A
 * function without table access (the relay, the receipt key set) gets no table client and needs no table section.
 */
export function lambdaAdapters(
  env: NodeJS.ProcessEnv,
  aws: AwsAdapters,
  options: { table?: boolean } = {},
): Adapters {
  if (options.table === false) {
    if (aws.sms || aws.secrets)
      throw new Error('SMS and secrets are composed with the table section (its region)');
    return {
      env,
      clock: { now: () => new Date() },
      ...(aws.receipts ? { receiptSigner: aws.receipts(env) } : {}),
    } as Adapters;
  }
  const settings = tableSection(env);
  return {
    env,
    db: createDocumentClient({ region: settings.region, endpoint: settings.dynamoEndpoint }),
    clock: { now: () => new Date() },
    ...(aws.sms ? { smsSender: smsSenderFor(env, aws.sms) } : {}),
    ...(aws.secrets ? { readSecret: aws.secrets(settings.region) } : {}),
    ...(aws.receipts ? { receiptSigner: aws.receipts(env) } : {}),
  };
}

function smsSenderFor(env: NodeJS.ProcessEnv, sns: NonNullable<AwsAdapters['sms']>): SmsSender {
  const settings = smsSenderSection(env);
  // SMS_ADAPTER=outbox keeps SMS in memory (a bundle run outside AWS, as the benchmark runs them).
  return settings.smsAdapter === 'sns' ? sns(settings.region, settings.smsSenderId) : new OutboxSmsSender();
}

/** Whether a function is given the table: an HTTP route only if its entry names table actions or indexes. */
export function hasTable(operation: string): boolean {
  const route = ROUTES.find((entry) => entry.operation === operation);
  return route ? usesTable(route) : true;
}

/** True inside the Lambda runtime (it sets the function name), where a handler composes at module scope. */
const onLambda = (env: NodeJS.ProcessEnv) => Boolean(env.AWS_LAMBDA_FUNCTION_NAME);

/**
 * A handler module's Lambda entry: checks the adapters against the grants, and on Lambda composes the function at
 * module scope (during init, once per instance). Elsewhere (the local service, the benchmark) the module's `build`
 * is composed with local adapters instead, and calling this entry is a mistake it reports.
 */
export function lambdaEntry<H extends (...args: never[]) => Promise<unknown>>(
  operation: string,
  build: (adapters: Adapters) => H,
  aws: AwsAdapters,
  options: { table?: boolean } = {},
): H {
  routeOf(operation);
  checkGrants(operation, aws);
  if (onLambda(process.env)) {
    return build(lambdaAdapters(process.env, aws, { table: options.table ?? hasTable(operation) }));
  }
  return (async () => {
    throw new Error(`${operation}: outside Lambda, compose the handler with build(adapters)`);
  }) as unknown as H;
}
