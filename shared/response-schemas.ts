/**
 * What every route answers, by operation and status: the success bodies and each API's error shape, as zod schemas.
 * The OpenAPI document is built from them (shared/openapi.ts); test/unit/response-schemas.test.ts holds each schema
 * to the type its use case returns, in both directions, so a changed answer fails the type check until its schema
 * follows; and the e2e runs check every real answer against the document (test/support/openapi-answers.ts).
 *
 * Like shared/route-schemas.ts, this module is imported only where all routes are needed, never by a function.
 */
import type { RouteDefinition } from './routes.ts';
import { LANGUAGES } from './sms/templates.ts';
import * as z from './zod.ts';

const time = z.string().check(z.describe('ISO 8601 time (UTC)'));

// Partner API (Solaris shape) -------------------------------------------------------------------------------------

export const MobileNumber = z.object({ id: z.string(), number: z.string(), verified: z.boolean() });

export const LanguageSettings = z.object({ language: z.enum(LANGUAGES) });

export const ChangeRequest = z.object({
  id: z.string(),
  status: z.enum(['AUTHORIZATION_REQUIRED', 'CONFIRMATION_REQUIRED', 'COMPLETED', 'FAILED', 'EXPIRED']),
  updated_at: time,
  url: z.optional(z.string()),
  string_to_sign: z.optional(z.string()),
  response_code: z.optional(z.number()),
  /** What the guarded operation answered; today the removed mobile number. */
  response_body: z.optional(MobileNumber),
});

export const Device = z.object({
  id: z.string(),
  name: z.string(),
  person_id: z.string(),
  created_at: time,
  deleted_at: z.nullable(time),
  status: z.enum(['pending', 'active', 'deleted']),
  device_type: z.enum(['ecdsa-p256', 'passkey']),
  /** What a passkey's authenticator told at registration (passkeys only). */
  passkey: z.optional(
    z.object({
      credential_id: z.string(),
      aaguid: z.string(),
      backup_eligible: z.boolean(),
      backup_state: z.boolean(),
      transports: z.array(z.string()),
    }),
  ),
});

export const DeviceBinding = z.object({
  id: z.string(),
  key_id: z.string(),
  challenge: z.object({ id: z.string(), type: z.literal('signature'), created_at: time, expires_at: time }),
});

export const DeviceKey = z.object({
  key_id: z.string(),
  key_purpose: z.string(),
  key_type: z.enum(['ecdsa-p256', 'passkey']),
  used_at: z.nullable(time),
});

/** The keys list answers the device with its keys, in a list of one (the Solaris shape). */
export const DeviceKeys = z.array(
  z.object({
    device_id: z.string(),
    person_id: z.string(),
    name: z.string(),
    created_at: time,
    deleted_at: z.nullable(time),
    keys: z.array(DeviceKey),
  }),
);

export const Challenge = z.object({
  id: z.string(),
  type: z.enum(['signature', 'device']),
  created_at: time,
  expires_at: time,
  status: z.enum(['pending', 'completed', 'expired', 'failed']),
  string_to_sign: z.optional(z.string()),
  /** For a passkey: the WebAuthn challenge derived from `string_to_sign`, and the credential to answer with. */
  webauthn: z.optional(z.object({ challenge: z.string(), credential_id: z.string() })),
});

export const DeviceChallenge = z.object({
  ...Challenge.shape,
  type: z.literal('device'),
  string_to_sign: z.string(),
});

export const Webhook = z.object({ id: z.string(), event_type: z.string(), url: z.string() });

export const CreatedWebhook = z.object({
  ...Webhook.shape,
  secret: z.string().check(z.describe('The HMAC secret of the Solaris-Webhook-Signature; shown only here')),
  standard_webhooks_secret: z
    .string()
    .check(z.describe('The same secret as Standard Webhooks writes it (whsec_…)')),
});

const PaymentPayee = z.union([
  z.object({ name: z.string(), iban: z.string() }),
  z.object({ name: z.string(), account_reference: z.string() }),
]);

export const PaymentAuthorization = z.object({
  id: z.string(),
  person_id: z.string(),
  status: z.enum(['CONFIRMATION_REQUIRED', 'COMPLETED', 'FAILED', 'EXPIRED']),
  method: z.enum(['sms', 'device_signing']),
  amount: z.object({ value: z.number(), currency: z.string() }),
  payee: PaymentPayee,
  description: z.optional(z.string()),
  digest: z.string(),
  created_at: time,
  updated_at: time,
  expires_at: time,
  device_id: z.optional(z.string()),
  string_to_sign: z.optional(z.string()),
  /** For a device whose key is a passkey: the WebAuthn/SPC request data (docs/passkeys.md). */
  webauthn: z.optional(
    z.object({
      challenge: z.string(),
      credential_id: z.string(),
      payee_name: z.string(),
      total: z.object({ currency: z.string(), value: z.string() }),
    }),
  ),
  receipt: z.optional(z.string().check(z.describe('The SCA receipt: a compact JWS (ES256)'))),
  failure_reason: z.optional(z.string()),
});

/** The start of a passkey binding: the pending device and the SMS OTP's challenge. */
export const PasskeyRegistration = z.object({
  id: z.string(),
  device_id: z.string(),
  challenge: z.object({ id: z.string(), type: z.literal('sms'), created_at: time, expires_at: time }),
});

/** WebAuthn creation options (PublicKeyCredentialCreationOptionsJSON), to pass to `navigator.credentials.create`. */
export const PasskeyCreationOptions = z.object({
  rp: z.object({ name: z.string(), id: z.optional(z.string()) }),
  user: z.object({ id: z.string(), name: z.string(), displayName: z.string() }),
  challenge: z.string(),
  pubKeyCredParams: z.array(z.object({ alg: z.number(), type: z.literal('public-key') })),
  timeout: z.optional(z.number()),
  excludeCredentials: z.optional(
    z.array(
      z.object({
        id: z.string(),
        type: z.literal('public-key'),
        transports: z.optional(z.array(z.string())),
      }),
    ),
  ),
  authenticatorSelection: z.optional(
    z.object({
      authenticatorAttachment: z.optional(z.string()),
      requireResidentKey: z.optional(z.boolean()),
      residentKey: z.optional(z.string()),
      userVerification: z.optional(z.string()),
    }),
  ),
  hints: z.optional(z.array(z.string())),
  attestation: z.optional(z.string()),
  attestationFormats: z.optional(z.array(z.string())),
  extensions: z.optional(z.record(z.string(), z.unknown())),
});

export const ReceiptKeys = z.object({
  keys: z.array(
    z.object({
      kty: z.literal('EC'),
      crv: z.literal('P-256'),
      x: z.string(),
      y: z.string(),
      kid: z.string(),
      alg: z.literal('ES256'),
      use: z.literal('sig'),
    }),
  ),
});

// Operator API ----------------------------------------------------------------------------------------------------

export const SecondFactorReset = z.object({
  id: z.string(),
  person_id: z.string(),
  operator: z.string(),
  reason: z.string(),
  remove_mobile_number: z.boolean(),
  revoke_devices: z.boolean(),
  removed_mobile_number: z.nullable(z.string()),
  revoked_device_ids: z.array(z.string()),
  cooling_off_until: time,
  notified: z.boolean(),
  created_at: time,
});

export const SecurityTimeline = z.object({
  person_id: z.string(),
  cooling_off: z.nullable(
    z.object({ cause: z.string(), started_at: time, until: time, active: z.boolean() }),
  ),
  events: z.array(
    z.object({
      id: z.string(),
      type: z.string(),
      version: z.number(),
      time,
      data: z
        .record(z.string(), z.unknown())
        .check(z.describe("The event's data, as its webhook delivers it")),
    }),
  ),
  next_cursor: z.nullable(z.string()),
});

export const PrefixBlocks = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      prefix: z.string().check(z.describe('Calling code and leading national digits, without +')),
      country: z.string(),
      level: z.string().check(z.describe('The protection level that blocked it: basic, standard or max')),
      blocked_at: time,
      expires_at: time,
    }),
  ),
});

// End-user API (Zitadel shape) ------------------------------------------------------------------------------------

export const Details = z.object({
  details: z.object({
    sequence: z.string(),
    creationDate: time,
    changeDate: time,
    resourceOwner: z.string(),
  }),
});

export const MyPhone = z.object({
  ...Details.shape,
  phone: z.object({ phone: z.string(), isPhoneVerified: z.boolean() }),
});

// Errors ----------------------------------------------------------------------------------------------------------

export const SolarisError = z.object({
  errors: z.array(
    z.object({
      id: z.string().check(z.describe('The request correlation id (X-Request-Id)')),
      status: z.number(),
      code: z.string(),
      title: z.string(),
      detail: z.string(),
      source: z.optional(z.object({ field: z.string(), message: z.string() })),
    }),
  ),
});

export const ZitadelError = z.object({
  code: z.number().check(z.describe('gRPC status code')),
  message: z.string(),
  details: z.array(
    z.object({
      '@type': z.literal('type.googleapis.com/zitadel.v1.ErrorDetail'),
      id: z.string().check(z.describe('The error code')),
      message: z.string(),
    }),
  ),
});

export const ConnectError = z.object({
  code: z.string().check(z.describe('Connect error code (invalid_argument, not_found, ...)')),
  message: z.optional(z.string()),
});

/** Success answers by status; `null` is an answer without a body (204). */
export type Answers = Readonly<Record<number, z.ZodMiniType | null>>;

export const RESPONSE_SCHEMAS: Readonly<Record<string, Answers>> = {
  'get-my-phone': { 200: MyPhone },
  'set-my-phone': { 200: Details },
  'remove-my-phone': { 200: Details },
  'resend-my-phone-verification': { 200: Details },
  'verify-my-phone': { 200: Details },
  'connect-get-my-phone': { 200: MyPhone },
  'connect-set-my-phone': { 200: Details },
  'connect-remove-my-phone': { 200: Details },
  'connect-resend-my-phone-verification': { 200: Details },
  'connect-verify-my-phone': { 200: Details },
  'create-mobile-number': { 201: MobileNumber },
  'get-mobile-number': { 200: MobileNumber },
  'delete-mobile-number': { 200: MobileNumber, 202: ChangeRequest },
  'authorize-mobile-number': { 201: MobileNumber },
  'confirm-mobile-number': { 201: MobileNumber },
  'reauthorize-mobile-number': { 201: MobileNumber },
  'put-language-settings': { 200: LanguageSettings },
  'get-language-settings': { 200: LanguageSettings },
  'authorize-change-request': { 201: ChangeRequest },
  'confirm-change-request': { 201: ChangeRequest },
  'get-change-request': { 200: ChangeRequest },
  'create-device': { 202: DeviceBinding },
  'list-devices': { 200: z.array(Device) },
  'get-device': { 200: Device },
  'delete-device': { 204: null },
  'get-signature-challenge': { 200: Challenge },
  'verify-signature-challenge': { 204: null },
  'add-device-key': { 201: z.object({ id: z.string() }) },
  'list-device-keys': { 200: DeviceKeys },
  'get-device-key': { 200: DeviceKey },
  'create-device-challenge': { 201: DeviceChallenge },
  'get-device-challenge': { 200: Challenge },
  'verify-device-challenge': { 204: null },
  'create-passkey-registration': { 202: PasskeyRegistration },
  'create-passkey-registration-options': { 201: PasskeyCreationOptions },
  'complete-passkey-registration': { 201: Device },
  'create-webhook': { 201: CreatedWebhook },
  'list-webhooks': { 200: z.array(Webhook) },
  'get-webhook': { 200: Webhook },
  'delete-webhook': { 204: null },
  'reset-second-factor': { 201: SecondFactorReset },
  'get-security-timeline': { 200: SecurityTimeline },
  'list-sms-prefix-blocks': { 200: PrefixBlocks },
  'lift-sms-prefix-block': { 204: null },
  'create-payment-authorization': { 201: PaymentAuthorization },
  'get-payment-authorization': { 200: PaymentAuthorization },
  'confirm-payment-authorization': { 201: PaymentAuthorization },
  'get-payment-authorization-keys': { 200: ReceiptKeys },
};

/** A route's success answers; fails for a route that has none, so a new route cannot go undocumented. */
export function answersOf(route: Pick<RouteDefinition, 'operation'>): Answers {
  const answers = RESPONSE_SCHEMAS[route.operation];
  if (!answers) throw new Error(`${route.operation} has no entry in shared/response-schemas.ts`);
  return answers;
}
