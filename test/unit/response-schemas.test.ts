import { expect, it } from 'vitest';
import type { ChangeRequestView } from '../../shared/change-requests/request-change.ts';
import type { ChallengeView, DeviceView, KeyView } from '../../shared/devices/device.schema.ts';
import type { DeviceChallengeView } from '../../shared/devices/device-signing.ts';
import type { BindDeviceResult, listDeviceKeys } from '../../shared/devices/use-cases.ts';
import type { PrefixBlockView } from '../../shared/fraud-guard/use-cases.ts';
import type { LanguageSettingsView } from '../../shared/language/use-cases.ts';
import type { MobileNumberView } from '../../shared/mobile-number/mobile-number.schema.ts';
import type { SecondFactorResetView, SecurityTimelineView } from '../../shared/operator/operator.schema.ts';
import type { StartPasskeyBindingResult } from '../../shared/passkeys/use-cases.ts';
import type { PaymentAuthorizationView } from '../../shared/payments/use-cases.ts';
import type { PublicJwk } from '../../shared/receipts/receipt-signer.ts';
import * as R from '../../shared/response-schemas.ts';
import { ROUTES } from '../../shared/routes.ts';
import type { DetailsView, MyPhoneView } from '../../shared/user-phone/user-phone.schema.ts';
import type { CreatedWebhookView, WebhookView } from '../../shared/webhooks/webhook.schema.ts';
import type * as z from '../../shared/zod.ts';

/**
 * Each response schema against the type its use case returns, checked by tsc: whatever the schema admits the code's
 * type admits too, and the schema names every field the code answers. A field added to an answer without its schema
 * (or a schema looser than the code) fails `npm run check`. Values are checked at run time by the e2e fixture.
 */
type Covers<S extends z.ZodMiniType, View> = [z.infer<S>] extends [View]
  ? [Exclude<keyof View, keyof z.infer<S>>] extends [never]
    ? true
    : false
  : false;

const bound = {
  MobileNumber: true satisfies Covers<typeof R.MobileNumber, MobileNumberView>,
  LanguageSettings: true satisfies Covers<typeof R.LanguageSettings, LanguageSettingsView>,
  ChangeRequest: true satisfies Covers<typeof R.ChangeRequest, ChangeRequestView>,
  Device: true satisfies Covers<typeof R.Device, DeviceView>,
  DeviceBinding: true satisfies Covers<typeof R.DeviceBinding, BindDeviceResult>,
  DeviceKey: true satisfies Covers<typeof R.DeviceKey, KeyView>,
  DeviceKeys: true satisfies Covers<typeof R.DeviceKeys, Awaited<ReturnType<typeof listDeviceKeys>>>,
  Challenge: true satisfies Covers<typeof R.Challenge, ChallengeView>,
  DeviceChallenge: true satisfies Covers<typeof R.DeviceChallenge, DeviceChallengeView>,
  Webhook: true satisfies Covers<typeof R.Webhook, WebhookView>,
  CreatedWebhook: true satisfies Covers<typeof R.CreatedWebhook, CreatedWebhookView>,
  PaymentAuthorization: true satisfies Covers<typeof R.PaymentAuthorization, PaymentAuthorizationView>,
  ReceiptKeys: true satisfies Covers<typeof R.ReceiptKeys, { keys: PublicJwk[] }>,
  SecondFactorReset: true satisfies Covers<typeof R.SecondFactorReset, SecondFactorResetView>,
  SecurityTimeline: true satisfies Covers<typeof R.SecurityTimeline, SecurityTimelineView>,
  PrefixBlocks: true satisfies Covers<typeof R.PrefixBlocks, { data: PrefixBlockView[] }>,
  Details: true satisfies Covers<typeof R.Details, DetailsView>,
  MyPhone: true satisfies Covers<typeof R.MyPhone, MyPhoneView>,
  PasskeyRegistration: true satisfies Covers<typeof R.PasskeyRegistration, StartPasskeyBindingResult>,
};

it('binds every response schema to the type its use case returns, and every route has its answers', () => {
  expect(Object.values(bound).every(Boolean)).toBe(true);
  expect(ROUTES.filter((route) => !R.RESPONSE_SCHEMAS[route.operation]).map((r) => r.operation)).toEqual([]);
  expect(Object.keys(R.RESPONSE_SCHEMAS).filter((op) => !ROUTES.some((r) => r.operation === op))).toEqual([]);
});
