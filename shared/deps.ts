import type { ChangeRequestStore } from './change-requests/dynamo-change-request-store.ts';
import type { Config } from './config.ts';
import type { CoolingOffs } from './cooling-off/cooling-off.ts';
import type { DeviceStore } from './devices/device-store.ts';
import type { LanguageStore } from './language/dynamo-language-store.ts';
import type { MobileNumberStore } from './mobile-number/dynamo-mobile-number-store.ts';
import type { PhoneSequenceStore } from './mobile-number/dynamo-phone-sequence.ts';
import type { SecondFactorResets, SecurityTimeline } from './operator/ports.ts';
import type { PepperSource } from './otp/pepper.ts';
import type { AssertionVerifier, Passkeys } from './passkeys/ports.ts';
import type { PaymentAuthorizationStore } from './payments/dynamo-payment-authorization-store.ts';
import type { ReceiptSigner } from './receipts/receipt-signer.ts';
import type { SmsDispatcher } from './sms/sms-dispatcher.ts';
import type { PhoneRemovalStore } from './user-phone/dynamo-phone-removal-store.ts';
import type { WebhookStore } from './webhooks/dynamo-webhook-store.ts';
import type { SecretBox } from './webhooks/secret-box.ts';
import type { WebhookHttp } from './webhooks/webhook-http.ts';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * Every port a use case may depend on, by name. No object holds them all: each use case names the ports and the
 * configuration settings it uses (`Uses<…>`), and each function composes exactly those (shared/compose.ts).
 */
export interface Ports {
  clock: Clock;
  pepper: PepperSource;
  sms: SmsDispatcher;
  mobileNumbers: MobileNumberStore;
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
  /** SIM-swap cooling-off windows (shared/cooling-off/). */
  coolingOffs: CoolingOffs;
  secondFactorResets: SecondFactorResets;
  securityTimeline: SecurityTimeline;
  paymentAuthorizations: PaymentAuthorizationStore;
  /** Signs SCA receipts and publishes the keys that verify them. */
  receipts: ReceiptSigner;
  /** Passkey enrollments and credentials (shared/passkeys/). */
  passkeys: Passkeys;
  /** Checks WebAuthn assertions (only functions that verify passkeys are composed with it). */
  assertions: AssertionVerifier;
}

/** What a use case uses: some ports, and some settings of the configuration. */
export type Uses<P extends keyof Ports, C extends keyof Config = never> = Pick<Ports, P> & {
  config: Pick<Config, C>;
};
