import { ChangeRequestStore } from './change-requests/dynamo-change-request-store.ts';
import {
  type AuthConfig,
  authSection,
  type CodeSection,
  codeSection,
  coolingOffSection,
  fraudGuardSection,
  idempotencySection,
  passkeySection,
  pepperSection,
  type SandboxSection,
  type SmsSection,
  sandboxSection,
  smsSection,
  tableSection,
  type WebhookConfig,
  webhookSection,
} from './config.ts';
import { DynamoCoolingOffs } from './cooling-off/dynamo-cooling-offs.ts';
import type { Clock, Ports } from './deps.ts';
import { DeviceStore } from './devices/device-store.ts';
import { DynamoFraudGuardStore } from './fraud-guard/dynamo-fraud-guard-store.ts';
import { FraudGuard } from './fraud-guard/use-cases.ts';
import { DynamoIdempotencyStore } from './idempotency/dynamo-idempotency-store.ts';
import { leaseSecondsFor } from './idempotency/idempotency.ts';
import { LanguageStore } from './language/dynamo-language-store.ts';
import { MobileNumberStore } from './mobile-number/dynamo-mobile-number-store.ts';
import { PhoneSequenceStore } from './mobile-number/dynamo-phone-sequence.ts';
import { DynamoSecondFactorResets } from './operator/dynamo-second-factor-resets.ts';
import { DynamoSecurityTimeline } from './operator/dynamo-security-timeline.ts';
import { acceptedPeppers, type PepperSource, pepperSource } from './otp/pepper.ts';
import { DynamoPasskeys } from './passkeys/dynamo-passkeys.ts';
import { PaymentAuthorizationStore } from './payments/dynamo-payment-authorization-store.ts';
import { RollingLimit } from './quota/dynamo-rolling-limit.ts';
import { GuessBudget } from './quota/guess-budget.ts';
import { SmsQuotaStore } from './quota/sms-quota-store.ts';
import type { ReceiptSigner } from './receipts/receipt-signer.ts';
import { DynamoRecipients } from './sca/dynamo-recipients.ts';
import { requireKnownCountries } from './sms/sms-countries.ts';
import { SmsDispatcher } from './sms/sms-dispatcher.ts';
import type { SmsSender } from './sms/sms-port.ts';
import type { DocumentClient } from './storage/dynamo.ts';
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
const sandbox = (a: Adapters): SandboxSection => sandboxSection(a.env);

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
    // An unknown country in SMS_COUNTRIES fails this function's cold start, as a missing setting does.
    requireKnownCountries(settings.smsCountries),
    new FraudGuard(fraudGuardStore(a), fraudGuardSection(a.env).fraudGuard, () => a.clock.now()),
  );
}

const fraudGuardStore = (a: Adapters) => new DynamoFraudGuardStore(a.db, table(a));

const budget = (a: Adapters) => new GuessBudget(a.db, table(a), codes(a).codeChecksPerDay);
const languageStore = (a: Adapters) => new LanguageStore(a.db, table(a));

/** The number alone: enough to read, create and delete it (no SMS limits, code budget or language). */
const numbersOnly = (a: Adapters) => new MobileNumberStore(a.db, table(a));

/** The number with the ports its code transactions key: the budget, and for issuing the SMS limits and language. */
function mobileNumbers(a: Adapters, dispatcher?: SmsDispatcher) {
  return new MobileNumberStore(a.db, table(a), {
    budget: budget(a),
    ...(dispatcher ? { sms: dispatcher, languages: languageStore(a) } : {}),
  });
}

/** Where the function has no receipt signer composed (a grant it lacks): every use fails, loudly. */
const noReceiptSigner: ReceiptSigner = {
  sign: () => Promise.reject(new Error('this function is not composed with a receipt signer')),
  publicKeys: () => Promise.reject(new Error('this function is not composed with a receipt signer')),
};

const changeRequests = (a: Adapters) => new ChangeRequestStore(a.db, table(a), budget(a));
const deviceStore = (a: Adapters) => new DeviceStore(a.db, table(a));
const coolingOffs = (a: Adapters) => new DynamoCoolingOffs(a.db, table(a));
/** Whom a code goes to (number, language, cooling-off window in one read): every use case that sends a code. */
const recipients = (a: Adapters) => new DynamoRecipients(a.db, table(a), languageStore(a), coolingOffs(a));
/** Passkey enrollments and credentials, and the relying party (undefined while passkeys are off). */
const passkeys = (a: Adapters) => new DynamoPasskeys(a.db, table(a), deviceStore(a), budget(a));
const passkeySettings = (a: Adapters) => ({ passkeys: passkeySection(a.env) });
/**
 * What checking a device's proof needs besides the challenge: the passkey store (the RP settings go in the config).
 * The assertion verifier is added by the three handlers that check proofs (shared/passkeys/assertion-verifier.ts),
 * so that no other function's bundle carries @simplewebauthn/server.
 */
const proofs = (a: Adapters) => ({ passkeys: passkeys(a) });

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

/** Operator: the fraud guard's prefix blocks (list, lift). */
export const prefixBlocks = (a: Adapters) => ({ clock: a.clock, fraudGuard: fraudGuardStore(a) });

/** The ports of the SMS-sending code use cases: number, language, SMS limits, pepper, the code settings. */
function issuing(a: Adapters) {
  const settings = smsSection(a.env);
  const dispatcher = sms(a, settings);
  return {
    clock: a.clock,
    sms: dispatcher,
    pepper: pepper(a),
    languages: languageStore(a),
    mobileNumbers: mobileNumbers(a, dispatcher),
    config: { ...codes(a), sandboxEnabled: settings.sandboxEnabled },
    /** Where SMS may go (set-my-phone refuses other countries before storing anything). */
    smsCountries: settings.smsCountries,
  };
}

function auth(a: Adapters): { auth: AuthConfig } {
  return { auth: authSection(a.env) };
}

/*
 * What each use case is composed from, by the name of the function that serves it. A handler imports this module as a
 * namespace (`import * as compose`) and calls exactly one factory at module scope, so its bundle holds only the
 * stores, sections and secrets that factory reaches; nothing else in the function builds a store, reads a section or
 * opens a secret.
 */
export const createMobileNumber = (a: Adapters) => ({
  clock: a.clock,
  mobileNumbers: numbersOnly(a),
  config: sandbox(a),
});
export const readMobileNumber = (a: Adapters) => ({ mobileNumbers: numbersOnly(a), config: {} });
export const deleteMobileNumber = (a: Adapters) => ({
  clock: a.clock,
  mobileNumbers: numbersOnly(a),
  changeRequests: changeRequests(a),
  config: {},
});
export const issueOtp = issuing;
export const confirmMobileNumber = (a: Adapters) => {
  const { clock, mobileNumbers, pepper, sms, languages, config } = issuing(a);
  return {
    clock,
    mobileNumbers,
    pepper,
    sms,
    languages,
    coolingOffs: coolingOffs(a),
    config: { ...config, ...coolingOffSection(a.env) },
  };
};
export const languages = (a: Adapters) => ({ clock: a.clock, languages: languageStore(a), config: {} });
export const readChangeRequest = (a: Adapters) => ({
  clock: a.clock,
  changeRequests: changeRequests(a),
  config: {},
});
export const authorizeChangeRequest = (a: Adapters) => ({
  ...issuing(a),
  recipients: recipients(a),
  changeRequests: changeRequests(a),
  devices: deviceStore(a),
  coolingOffs: coolingOffs(a),
});
export const confirmChangeRequest = (a: Adapters) => {
  const ports = issuing(a);
  return {
    ...ports,
    changeRequests: changeRequests(a),
    devices: deviceStore(a),
    coolingOffs: coolingOffs(a),
    ...proofs(a),
    config: { ...ports.config, ...coolingOffSection(a.env), ...passkeySettings(a) },
  };
};
export const devices = (a: Adapters) => ({ clock: a.clock, devices: deviceStore(a), config: codes(a) });
/** Answering a device challenge: an ECDSA signature, or a passkey's assertion. */
export const answerDeviceChallenge = (a: Adapters) => ({
  ...devices(a),
  ...proofs(a),
  config: { ...codes(a), ...passkeySettings(a) },
});
/** Passkey binding: start (SMS OTP), options (the OTP unlocks them), complete (the registration). */
export const bindPasskey = (a: Adapters) => ({
  ...issuing(a),
  recipients: recipients(a),
  devices: deviceStore(a),
  coolingOffs: coolingOffs(a),
  passkeys: passkeys(a),
  config: { ...issuing(a).config, ...passkeySettings(a) },
});
export const completePasskey = (a: Adapters) => ({
  clock: a.clock,
  coolingOffs: coolingOffs(a),
  passkeys: passkeys(a),
  config: passkeySettings(a),
});
export const bindDevice = (a: Adapters) => ({
  ...issuing(a),
  recipients: recipients(a),
  devices: deviceStore(a),
});
/** Answering a binding spends the person's code-check budget and reads the cooling-off window with it. */
export const answerBinding = (a: Adapters) => ({
  clock: a.clock,
  devices: new DeviceStore(a.db, table(a), { budget: budget(a), coolingOffs: coolingOffs(a) }),
  pepper: pepper(a),
  config: codes(a),
});
export const webhooks = webhookPorts;
export const myPhone = (a: Adapters) => {
  const ports = issuing(a);
  return {
    ...ports,
    recipients: recipients(a),
    phoneSequence: new PhoneSequenceStore(a.db, table(a)),
    phoneRemovals: new PhoneRemovalStore(a.db, table(a), budget(a)),
    changeRequests: changeRequests(a),
    coolingOffs: coolingOffs(a),
    config: {
      ...ports.config,
      ...auth(a),
      ...coolingOffSection(a.env),
      smsCountries: ports.smsCountries,
    },
  };
};
export const readMyPhone = (a: Adapters) => ({
  clock: a.clock,
  mobileNumbers: numbersOnly(a),
  phoneSequence: new PhoneSequenceStore(a.db, table(a)),
  config: auth(a),
});
/** Operator: reset a person's second factor (number, devices, cooling-off, notice SMS). */
export const resetSecondFactor = (a: Adapters) => {
  const dispatcher = sms(a);
  return {
    clock: a.clock,
    sms: dispatcher,
    languages: languageStore(a),
    secondFactorResets: new DynamoSecondFactorResets(a.db, table(a), {
      mobileNumbers: mobileNumbers(a, dispatcher),
      devices: deviceStore(a),
      coolingOffs: coolingOffs(a),
    }),
    config: coolingOffSection(a.env),
  };
};
/** Operator: a person's security timeline (GSI1) and cooling-off window. */
export const securityTimeline = (a: Adapters) => ({
  clock: a.clock,
  securityTimeline: new DynamoSecurityTimeline(a.db, table(a), pepper(a)),
  coolingOffs: coolingOffs(a),
  config: {},
});
export const readPaymentAuthorization = (a: Adapters) => ({
  clock: a.clock,
  paymentAuthorizations: new PaymentAuthorizationStore(a.db, table(a), budget(a)),
  config: {},
});
/** Payment authorization by SMS (number, language, SMS limits, pepper) or by device (its keys). */
export const createPaymentAuthorization = (a: Adapters) => {
  const devices = deviceStore(a);
  const ports = issuing(a);
  return {
    ...ports,
    recipients: recipients(a),
    devices,
    paymentAuthorizations: new PaymentAuthorizationStore(a.db, table(a), budget(a), devices),
    config: { ...ports.config, ...coolingOffSection(a.env) },
  };
};
/** Confirm: the pepper (TAN), the device store (key use), the receipt signer (granted `signsReceipts`). */
export const confirmPaymentAuthorization = (a: Adapters) => ({
  clock: a.clock,
  pepper: pepper(a),
  receipts: a.receiptSigner ?? noReceiptSigner,
  paymentAuthorizations: new PaymentAuthorizationStore(a.db, table(a), budget(a), deviceStore(a)),
  ...proofs(a),
  config: { ...codes(a), ...passkeySettings(a) },
});
/** The key set that verifies SCA receipts (granted `readsReceiptKeys`). */
export const receiptKeys = (a: Adapters) => ({ receipts: a.receiptSigner ?? noReceiptSigner, config: {} });
/** The token settings the pipeline checks callers against (every HTTP route). */
export const pipeline = (a: Adapters) => auth(a).auth;
/**
 * Idempotency-Key claims for a partner write route (PutItem, UpdateItem, GetItem on the table), with a lease that
 * outlives the function's timeout.
 */
export const idempotency = (a: Adapters) => ({
  store: new DynamoIdempotencyStore(
    a.db,
    table(a),
    leaseSecondsFor(idempotencySection(a.env).functionTimeoutSeconds),
  ),
  now: () => a.clock.now().getTime(),
});
