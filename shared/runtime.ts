import { awsAdapters, missingAdapter } from './aws/adapters.ts';
import { ChangeRequestStore } from './change-requests/change-request-store.ts';
import { type Config, loadConfig } from './config.ts';
import { DeviceStore } from './devices/device-store.ts';
import { LanguageStore } from './language/language-store.ts';
import { MobileNumberStore } from './mobile-number/mobile-number-store.ts';
import { PhoneSequenceStore } from './mobile-number/phone-sequence.ts';
import { type PepperSource, pepperSource } from './otp/pepper.ts';
import { GuessBudget } from './quota/guess-budget.ts';
import { RollingLimit } from './quota/rolling-limit.ts';
import { SmsQuotaStore } from './quota/sms-quota-store.ts';
import { OutboxSmsSender } from './sms/outbox-sms-sender.ts';
import { SmsDispatcher } from './sms/sms-dispatcher.ts';
import type { SmsSender } from './sms/sms-port.ts';
import { createDocumentClient, type DocumentClient } from './storage/dynamo.ts';
import { PhoneRemovalStore } from './user-phone/phone-removal-store.ts';
import { SecretBox, webhookKeySource } from './webhooks/secret-box.ts';
import { nodeWebhookHttp, type WebhookHttp } from './webhooks/webhook-http.ts';
import { WebhookStore } from './webhooks/webhook-store.ts';

export interface Clock {
  now(): Date;
}

/**
 * Everything a use case needs, built once per Lambda instance (or once per local server) from configuration.
 * Use cases receive it as an argument, so tests and the local runtime can hand in their own clock or SMS sender.
 */
export interface Runtime {
  config: Config;
  clock: Clock;
  db: DocumentClient;
  pepper: PepperSource;
  sms: SmsDispatcher;
  mobileNumbers: MobileNumberStore;
  /** Every one-time-code check is charged here first. */
  guessBudget: GuessBudget;
  languages: LanguageStore;
  phoneSequence: PhoneSequenceStore;
  phoneRemovals: PhoneRemovalStore;
  changeRequests: ChangeRequestStore;
  webhooks: WebhookStore;
  /** Seals and opens subscribers' signing secrets. */
  webhookSecrets: SecretBox;
  /** Outbound HTTP to subscribers (verification and deliveries). */
  webhookHttp: WebhookHttp;
  devices: DeviceStore;
}

export interface RuntimeOverrides {
  clock?: Clock;
  smsSender?: SmsSender;
  webhookHttp?: WebhookHttp;
}

export const systemClock: Clock = { now: () => new Date() };

/** SNS when this function loads the adapter; otherwise a sender that refuses, naming the missing import. */
function snsSender(config: Config): SmsSender {
  if (awsAdapters.smsSender) return awsAdapters.smsSender(config.region, config.smsSenderId);
  return {
    send: () => Promise.reject(missingAdapter('SNS', '#shared/aws/sns.ts')),
  };
}

export function createRuntime(config: Config, overrides: RuntimeOverrides = {}): Runtime {
  const clock = overrides.clock ?? systemClock;
  const db = createDocumentClient({ region: config.region, endpoint: config.dynamoEndpoint });
  const sender =
    overrides.smsSender ??
    (config.smsAdapter === 'sns' ? snsSender(config) : new OutboxSmsSender(() => clock.now()));
  const quota = new SmsQuotaStore(db, config.tableName, config.smsQuotaPerHour);
  return {
    config,
    clock,
    db,
    pepper: pepperSource(config.pepper, config.region, {
      otpTtlSeconds: config.otpTtlSeconds,
      now: () => clock.now().getTime(),
    }),
    sms: new SmsDispatcher(
      sender,
      db,
      config.tableName,
      quota,
      new RollingLimit(db, config.tableName, 'SMS_PERSON', config.smsPerPersonPerHour, 3600_000),
      config.sandboxEnabled,
      () => clock.now(),
      config.smsCountries,
    ),
    mobileNumbers: new MobileNumberStore(db, config.tableName),
    guessBudget: new GuessBudget(db, config.tableName, config.codeChecksPerDay),
    languages: new LanguageStore(db, config.tableName),
    phoneSequence: new PhoneSequenceStore(db, config.tableName),
    phoneRemovals: new PhoneRemovalStore(db, config.tableName),
    changeRequests: new ChangeRequestStore(db, config.tableName),
    webhooks: new WebhookStore(db, config.tableName),
    webhookSecrets: new SecretBox(
      webhookKeySource(config.webhooks.secretKey, config.region, { now: () => clock.now().getTime() }),
    ),
    webhookHttp: overrides.webhookHttp ?? nodeWebhookHttp,
    devices: new DeviceStore(db, config.tableName),
  };
}

let current: Runtime | undefined;

/** The process-wide runtime: built from the environment on first use, or the one installed by `useRuntime`. */
export function runtime(): Runtime {
  current ??= createRuntime(loadConfig());
  return current;
}

/** Installs a runtime for this process (the local server and tests do this before the first request). */
export function useRuntime(next: Runtime): void {
  current = next;
}
