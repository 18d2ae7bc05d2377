import { ChangeRequestStore } from './change-requests/dynamo-change-request-store.ts';
import {
  type AuthConfig,
  authSection,
  type CodeSection,
  codeSection,
  pepperSection,
  type SmsSection,
  smsSection,
  tableSection,
  type WebhookConfig,
  webhookSection,
} from './config.ts';
import type { Clock, Ports } from './deps.ts';
import { DeviceStore } from './devices/device-store.ts';
import { DynamoIdempotencyStore } from './idempotency/dynamo-idempotency-store.ts';
import { LanguageStore } from './language/dynamo-language-store.ts';
import { MobileNumberStore } from './mobile-number/dynamo-mobile-number-store.ts';
import { PhoneSequenceStore } from './mobile-number/dynamo-phone-sequence.ts';
import { acceptedPeppers, type PepperSource, pepperSource } from './otp/pepper.ts';
import { PaymentAuthorizationStore } from './payments/dynamo-payment-authorization-store.ts';
import { RollingLimit } from './quota/dynamo-rolling-limit.ts';
import { GuessBudget } from './quota/guess-budget.ts';
import { SmsQuotaStore } from './quota/sms-quota-store.ts';
import type { ReceiptSigner } from './receipts/receipt-signer.ts';
import { HANDLER_GRANTS, type HandlerGrant, routeOf } from './routes.ts';
import { OutboxSmsSender } from './sms/outbox-sms-sender.ts';
import { SmsDispatcher } from './sms/sms-dispatcher.ts';
import type { SmsSender } from './sms/sms-port.ts';
import { createDocumentClient, type DocumentClient } from './storage/dynamo.ts';
import type { SecretReader } from './storage/secret-source.ts';
import { PhoneRemovalStore } from './user-phone/dynamo-phone-removal-store.ts';
import { WebhookStore } from './webhooks/dynamo-webhook-store.ts';
import { SecretBox, webhookKeySource } from './webhooks/secret-box.ts';
import type { WebhookHttp } from './webhooks/webhook-http.ts';

/**
 * What a function is composed from: where its configuration sections are read, its table client, its clock, and the
 * adapters behind its grants. On AWS these are the SDK clients its handler imports (`lambdaEntry`); locally the
 * local service hands in the same kinds of adapter (an SMS outbox, configured secrets), each wrapped by the access
 * guard that holds a request to its route's grants.
 */
export interface Adapters {
  env: NodeJS.ProcessEnv;
  db: DocumentClient;
  clock: Clock;
  /** Functions granted `sendsSms` only. */
  smsSender?: SmsSender;
  /** Functions granted a secret (the pepper, the webhook key) only, where the secret lives in Secrets Manager. */
  readSecret?: SecretReader;
  /** Wraps each read of a granted secret (local mode: the access guard); absent on AWS, where IAM does it. */
  guardSecret?: (grant: 'usesPepper' | 'usesWebhookKey') => void;
  webhookHttp?: WebhookHttp;
  /**
   * Functions granted `signsReceipts` or `readsReceiptKeys` only: signs SCA receipts and publishes their key set (a
   * KMS key on AWS, a key generated at start locally).
   */
  receiptSigner?: ReceiptSigner;
}

const notComposed = (what: string): SmsSender => ({
  send: () => Promise.reject(new Error(`this function is not composed with ${what}`)),
});

/** The small builders every factory below is made of; each reads only the configuration section it needs. */
const table = (a: Adapters) => tableSection(a.env).tableName;
const codes = (a: Adapters): CodeSection => codeSection(a.env);

/**
 * The OTP pepper, re-read on the secret's refresh period; the previous pepper of a rotation stays accepted for one OTP
 * lifetime (the code section's).
 */
function pepper(a: Adapters): PepperSource {
  const source = pepperSource(pepperSection(a.env), a.readSecret, {
    otpTtlSeconds: codes(a).otpTtlSeconds,
    now: () => a.clock.now().getTime(),
  });
  const guarded: PepperSource = () => {
    a.guardSecret?.('usesPepper');
    return source();
  };
  guarded.accepted = () => {
    a.guardSecret?.('usesPepper');
    return acceptedPeppers(source);
  };
  return guarded;
}

function sms(a: Adapters, settings: SmsSection = smsSection(a.env)): SmsDispatcher {
  const name = table(a);
  return new SmsDispatcher(
    a.smsSender ?? notComposed('an SMS sender'),
    a.db,
    name,
    new SmsQuotaStore(a.db, name, settings.smsQuotaPerHour),
    new RollingLimit(a.db, name, 'SMS_PERSON', settings.smsPerPersonPerHour, 3600_000),
    settings.sandboxEnabled,
    () => a.clock.now(),
    settings.smsCountries,
  );
}

const budget = (a: Adapters) => new GuessBudget(a.db, table(a), codes(a).codeChecksPerDay);
const languages = (a: Adapters) => new LanguageStore(a.db, table(a));

function mobileNumbers(a: Adapters, dispatcher: SmsDispatcher = sms(a)) {
  return new MobileNumberStore(a.db, table(a), {
    budget: budget(a),
    sms: dispatcher,
    languages: languages(a),
  });
}

/** Where the function has no receipt signer composed (a grant it lacks): every use fails, loudly. */
const noReceiptSigner: ReceiptSigner = {
  sign: () => Promise.reject(new Error('this function is not composed with a receipt signer')),
  publicKeys: () => Promise.reject(new Error('this function is not composed with a receipt signer')),
};

const changeRequests = (a: Adapters) => new ChangeRequestStore(a.db, table(a), budget(a));
const devices = (a: Adapters) => new DeviceStore(a.db, table(a));

function webhookPorts(a: Adapters): Pick<Ports, 'clock' | 'webhooks' | 'webhookSecrets' | 'webhookHttp'> & {
  config: { webhooks: WebhookConfig };
} {
  const settings = webhookSection(a.env);
  const key = webhookKeySource(settings.secretKey, a.readSecret, { now: () => a.clock.now().getTime() });
  return {
    clock: a.clock,
    webhooks: new WebhookStore(a.db, table(a)),
    webhookSecrets: new SecretBox(() => {
      a.guardSecret?.('usesWebhookKey');
      return key();
    }),
    webhookHttp: a.webhookHttp ?? {
      post: () => Promise.reject(new Error('this function is not composed with webhook HTTP')),
      resolve: () => Promise.reject(new Error('this function is not composed with webhook HTTP')),
    },
    config: { webhooks: settings },
  };
}

/** The ports of the SMS-sending code use cases: number, language, SMS limits, pepper, the code settings. */
function issuing(a: Adapters) {
  const settings = smsSection(a.env);
  const dispatcher = sms(a, settings);
  return {
    clock: a.clock,
    sms: dispatcher,
    pepper: pepper(a),
    languages: languages(a),
    mobileNumbers: mobileNumbers(a, dispatcher),
    config: codes(a),
    /** Where SMS may go (set-my-phone refuses other countries before storing anything). */
    smsCountries: settings.smsCountries,
  };
}

function auth(a: Adapters): { auth: AuthConfig } {
  return { auth: authSection(a.env) };
}

/**
 * What each use case is composed from, by the name of the function that serves it. A handler calls exactly one of
 * these at module scope; nothing else in the function builds a store, reads a section or opens a secret.
 */
export const compose = {
  createMobileNumber: (a: Adapters) => ({
    clock: a.clock,
    mobileNumbers: mobileNumbers(a),
    config: codes(a),
  }),
  readMobileNumber: (a: Adapters) => ({ mobileNumbers: mobileNumbers(a), config: {} }),
  deleteMobileNumber: (a: Adapters) => ({
    clock: a.clock,
    mobileNumbers: mobileNumbers(a),
    changeRequests: changeRequests(a),
    config: {},
  }),
  issueOtp: issuing,
  confirmMobileNumber: (a: Adapters) => {
    const { clock, mobileNumbers, pepper, sms, languages, config } = issuing(a);
    return { clock, mobileNumbers, pepper, sms, languages, config };
  },
  languages: (a: Adapters) => ({ clock: a.clock, languages: languages(a), config: {} }),
  readChangeRequest: (a: Adapters) => ({ clock: a.clock, changeRequests: changeRequests(a), config: {} }),
  authorizeChangeRequest: (a: Adapters) => ({
    ...issuing(a),
    changeRequests: changeRequests(a),
    devices: devices(a),
  }),
  confirmChangeRequest: (a: Adapters) => ({
    ...issuing(a),
    changeRequests: changeRequests(a),
    devices: devices(a),
  }),
  devices: (a: Adapters) => ({ clock: a.clock, devices: devices(a), config: codes(a) }),
  bindDevice: (a: Adapters) => ({ ...issuing(a), devices: devices(a) }),
  answerBinding: (a: Adapters) => ({
    clock: a.clock,
    devices: devices(a),
    pepper: pepper(a),
    config: codes(a),
  }),
  webhooks: webhookPorts,
  myPhone: (a: Adapters) => {
    const ports = issuing(a);
    return {
      ...ports,
      phoneSequence: new PhoneSequenceStore(a.db, table(a)),
      phoneRemovals: new PhoneRemovalStore(a.db, table(a), budget(a)),
      changeRequests: changeRequests(a),
      config: { ...ports.config, ...auth(a), smsCountries: ports.smsCountries },
    };
  },
  readMyPhone: (a: Adapters) => ({
    clock: a.clock,
    mobileNumbers: mobileNumbers(a),
    phoneSequence: new PhoneSequenceStore(a.db, table(a)),
    config: auth(a),
  }),
  readPaymentAuthorization: (a: Adapters) => ({
    clock: a.clock,
    paymentAuthorizations: new PaymentAuthorizationStore(a.db, table(a), budget(a)),
    config: {},
  }),
  /** Payment authorization by SMS (number, language, SMS limits, pepper) or by device (its keys). */
  createPaymentAuthorization: (a: Adapters) => {
    const deviceStore = devices(a);
    return {
      ...issuing(a),
      devices: deviceStore,
      paymentAuthorizations: new PaymentAuthorizationStore(a.db, table(a), budget(a), deviceStore),
    };
  },
  /** Confirm: the pepper (TAN), the device store (key use), the receipt signer (granted `signsReceipts`). */
  confirmPaymentAuthorization: (a: Adapters) => ({
    clock: a.clock,
    pepper: pepper(a),
    receipts: a.receiptSigner ?? noReceiptSigner,
    paymentAuthorizations: new PaymentAuthorizationStore(a.db, table(a), budget(a), devices(a)),
    config: codes(a),
  }),
  receiptKeys: (a: Adapters) => ({ receipts: a.receiptSigner ?? noReceiptSigner, config: {} }),
  pipeline: (a: Adapters) => auth(a).auth,
  /** Idempotency-Key claims for a partner write route (PutItem, UpdateItem, GetItem on the table). */
  idempotency: (a: Adapters) => ({
    store: new DynamoIdempotencyStore(a.db, table(a)),
    now: () => a.clock.now().getTime(),
  }),
};

/** The SDK adapters a handler hands `lambdaEntry`: exactly those its route is granted. */
export interface AwsAdapters {
  sms?: (region: string, senderId: string | undefined) => SmsSender;
  secrets?: (region: string) => SecretReader;
}

const awsKeyOf: Record<HandlerGrant, keyof AwsAdapters> = {
  sendsSms: 'sms',
  usesPepper: 'secrets',
  usesWebhookKey: 'secrets',
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

/** The adapters of a deployed function: the table client from its table section, and the SDK adapters it imports. */
export function lambdaAdapters(env: NodeJS.ProcessEnv, aws: AwsAdapters): Adapters {
  const settings = tableSection(env);
  return {
    env,
    db: createDocumentClient({ region: settings.region, endpoint: settings.dynamoEndpoint }),
    clock: { now: () => new Date() },
    ...(aws.sms ? { smsSender: smsSenderFor(env, aws.sms) } : {}),
    ...(aws.secrets ? { readSecret: aws.secrets(settings.region) } : {}),
  };
}

function smsSenderFor(env: NodeJS.ProcessEnv, sns: NonNullable<AwsAdapters['sms']>): SmsSender {
  const settings = smsSection(env);
  // SMS_ADAPTER=outbox keeps SMS in memory (a bundle run outside AWS, as the benchmark runs them).
  return settings.smsAdapter === 'sns' ? sns(settings.region, settings.smsSenderId) : new OutboxSmsSender();
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
    // A function without table access (the relay) gets no table client and needs no table section.
    return build(
      options.table === false ? ({ env: process.env } as Adapters) : lambdaAdapters(process.env, aws),
    );
  }
  return (async () => {
    throw new Error(`${operation}: outside Lambda, compose the handler with build(adapters)`);
  }) as unknown as H;
}
