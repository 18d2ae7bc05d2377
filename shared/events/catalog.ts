import { ChangeRequestCompleted, ChangeRequestOpened } from './change-request-events.ts';
import { DeviceBound, DeviceDeleted, DeviceKeyAdded } from './device-events.ts';
import { SmsPrefixBlocked, SmsPrefixBlockLifted } from './fraud-events.ts';
import { MobileNumberCreated, MobileNumberDeleted, MobileNumberVerified } from './mobile-number-events.ts';
import { PasskeyCounterRegressed } from './passkey-events.ts';
import {
  PaymentAuthorizationConfirmed,
  PaymentAuthorizationCreated,
  PaymentAuthorizationFailed,
} from './payment-events.ts';
import { CodeAttemptsExhausted, CoolingOffStarted, SecondFactorReset } from './security-events.ts';

/** The `source` of every event this service puts on its EventBridge bus. */
export const EVENT_SOURCE = 'phone-security';

/**
 * Every event the service emits, grouped by family. A family gets one EventBridge rule on AWS; subscriptions may name
 * any type listed here. A feature that adds events adds its family (or its types) here and nowhere else.
 */
export const EVENT_FAMILIES = [
  {
    name: 'PersonMobileNumber',
    types: [MobileNumberCreated.type, MobileNumberVerified.type, MobileNumberDeleted.type],
  },
  {
    name: 'Device',
    types: [DeviceBound.type, DeviceDeleted.type, DeviceKeyAdded.type, PasskeyCounterRegressed.type],
  },
  { name: 'ChangeRequest', types: [ChangeRequestOpened.type, ChangeRequestCompleted.type] },
  { name: 'Security', types: [SecondFactorReset.type, CoolingOffStarted.type, CodeAttemptsExhausted.type] },
  { name: 'FraudGuard', types: [SmsPrefixBlocked.type, SmsPrefixBlockLifted.type] },
  {
    name: 'PaymentAuthorization',
    types: [
      PaymentAuthorizationCreated.type,
      PaymentAuthorizationConfirmed.type,
      PaymentAuthorizationFailed.type,
    ],
  },
] as const satisfies ReadonlyArray<{ name: string; types: readonly string[] }>;

export const EVENT_TYPES = EVENT_FAMILIES.flatMap((family) => family.types) as [string, ...string[]];
