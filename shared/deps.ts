import type { ChangeRequests } from './change-requests/ports.ts';
import type { Config } from './config.ts';
import type { CoolingOffs } from './cooling-off/cooling-off.ts';
import type { Devices } from './devices/ports.ts';
import type { Languages } from './language/ports.ts';
import type { MobileNumberPort, PhoneSequences } from './mobile-number/ports.ts';
import type { SecondFactorResets, SecurityTimeline } from './operator/ports.ts';
import type { PepperSource } from './otp/pepper.ts';
import type { PaymentAuthorizations } from './payments/ports.ts';
import type { ReceiptSigner } from './receipts/receipt-signer.ts';
import type { Recipients } from './sca/ports.ts';
import type { SmsDispatch } from './sms/sms-port.ts';
import type { PhoneRemovals } from './user-phone/ports.ts';
import type { SecretSeals, Webhooks } from './webhooks/ports.ts';
import type { WebhookHttp } from './webhooks/webhook-http.ts';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * Every port a use case may depend on, by name, each an interface its concept defines in its own words (the
 * DynamoDB, SNS, KMS and HTTP adapters implement them; tests' fakes implement them without casts). No object holds them all: each use case names the ports and the
 * configuration settings it uses (`Uses<…>`), and each function composes exactly those (shared/compose.ts).
 */
export interface Ports {
  clock: Clock;
  pepper: PepperSource;
  sms: SmsDispatch;
  mobileNumbers: MobileNumberPort;
  languages: Languages;
  phoneSequence: PhoneSequences;
  phoneRemovals: PhoneRemovals;
  changeRequests: ChangeRequests;
  webhooks: Webhooks;
  /** Seals and opens subscribers' signing secrets. */
  webhookSecrets: SecretSeals;
  /** Outbound HTTP to subscribers (verification and deliveries). */
  webhookHttp: WebhookHttp;
  devices: Devices;
  /** SIM-swap cooling-off windows (shared/cooling-off/). */
  coolingOffs: CoolingOffs;
  secondFactorResets: SecondFactorResets;
  securityTimeline: SecurityTimeline;
  paymentAuthorizations: PaymentAuthorizations;
  /** Signs SCA receipts and publishes the keys that verify them. */
  receipts: ReceiptSigner;
  /** Whom a code goes to: the person's number, language and cooling-off window in one read (shared/sca/). */
  recipients: Recipients;
}

/** What a use case uses: some ports, and some settings of the configuration. */
export type Uses<P extends keyof Ports, C extends keyof Config = never> = Pick<Ports, P> & {
  config: Pick<Config, C>;
};
