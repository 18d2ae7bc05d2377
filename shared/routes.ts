/**
 * The route table: the one list of operations. The CDK stack makes one Lambda and one HTTP API route per entry and
 * grants each exactly what the entry names; the local server serves the same entries with the same handlers.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** DynamoDB actions an operation performs (transactions are authorized per item action). */
export type TableAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'ConditionCheckItem'
  | 'Query';

/** Secondary indexes of the table an operation may query (see shared/storage/table-definition.ts). */
export type TableIndex = 'GSI1';

/**
 * Who may call a route.
 * - `partner`: a client-credentials token carrying the partner scope (the bank's backend). The default.
 * - `user`: an end user's token carrying the user scope; the person id comes from the token, never from the path.
 * - `operator`: a token carrying the operator scope (the bank's customer support tooling); acts on any person, with
 *   the operator's identity (`client_id`/`sub`) recorded on every audit event.
 * - `public`: no token (nothing in the deployed API is public today).
 */
export type AuthKind = 'partner' | 'user' | 'operator' | 'public';

/**
 * The shape errors take on a route: Solaris for the partner API, gRPC-gateway (Zitadel) for the end-user API's REST
 * routes, Connect (`{code: "not_found", message}`) for its Connect protocol routes.
 */
export type ErrorShape = 'solaris' | 'zitadel' | 'connect';

export interface RouteDefinition {
  /**
   * Kebab-case verb-noun; also the handler's file name: `functions/<operation>.ts`, and the key of its request
   * schemas in shared/route-schemas.ts (kept apart from this table, which every function and the CDK app import).
   */
  operation: string;
  method: HttpMethod;
  /** API Gateway path with `{name}` parameters. */
  path: string;
  summary: string;
  /**
   * DynamoDB actions on the table itself (not its indexes). Partner POST, PUT and DELETE routes also claim their
   * Idempotency-Key there, so they hold GetItem, PutItem and UpdateItem (shared/idempotency/).
   */
  table: readonly TableAction[];
  /** Indexes the operation queries: `dynamodb:Query` on each, and on no other index. */
  indexes?: readonly TableIndex[];
  /** May publish SMS through SNS. */
  sendsSms?: boolean;
  /**
   * Accepts the sandbox number where the stage enables it (reads SANDBOX_ENABLED) without sending SMS: registers
   * numbers. Every route that sends SMS reads it too (`readsSandbox`).
   */
  acceptsSandbox?: boolean;
  /** Reads the OTP pepper secret (issues or checks OTPs). */
  usesPepper?: boolean;
  /** Reads the key that seals webhook signing secrets. */
  usesWebhookKey?: boolean;
  /**
   * Signs SCA receipts with the receipt key (on AWS `kms:Sign` on that key, and `kms:GetPublicKey` for the kid;
   * nothing else of KMS).
   */
  signsReceipts?: boolean;
  /** Reads the receipt key's public half for the JWKS (on AWS `kms:GetPublicKey` on that key). */
  readsReceiptKeys?: boolean;
  /** Reads the passkeys' relying party settings (WEBAUTHN_RP_ID, WEBAUTHN_RP_NAME, WEBAUTHN_ORIGINS). */
  usesPasskeys?: boolean;
  /**
   * A partner write route that takes no Idempotency-Key: its answer holds a secret that must not be stored for
   * replay (create-webhook).
   */
  withoutIdempotencyKey?: true;
  /** Who may call it; omitted means `partner`, so a route added without thinking about it is never open. */
  auth?: AuthKind;
}

/** Whether a route's function reads SANDBOX_ENABLED: it sends SMS (codes to the sandbox number) or registers numbers. */
export const readsSandbox = (route: Pick<RouteDefinition, 'sendsSms' | 'acceptsSandbox'>): boolean =>
  Boolean(route.sendsSms || route.acceptsSandbox);

/** Whether a route reads or writes the table at all (one that does not gets no TABLE_NAME and no table client). */
export const usesTable = (route: Pick<RouteDefinition, 'table' | 'indexes'>): boolean =>
  route.table.length > 0 || (route.indexes?.length ?? 0) > 0;

/** Whether a route claims an Idempotency-Key: every partner POST, PUT and DELETE, unless its entry opts out. */
export const takesIdempotencyKey = (route: RouteDefinition): boolean =>
  authOf(route) === 'partner' && route.method !== 'GET' && !route.withoutIdempotencyKey;

/** A route's caller kind, defaulting to the partner API. */
export const authOf = (route: Pick<RouteDefinition, 'auth'>): AuthKind => route.auth ?? 'partner';

/**
 * End-user routes live under `/auth/v1` and answer in the Zitadel error shape, their Connect twins under
 * `/zitadel.auth.v1.AuthService/` in Connect's; everything else in Solaris's.
 */
export const errorShapeOf = (route: Pick<RouteDefinition, 'path'>): ErrorShape =>
  route.path.startsWith('/auth/') ? 'zitadel' : route.path.startsWith('/zitadel.') ? 'connect' : 'solaris';

const PERSON = '/v1/persons/{person_id}';
const DEVICE = '/v1/mfa/devices/{device_id}';

const ME = '/auth/v1/users/me/phone';

/** The end-user API (Zitadel v1 auth API shape): the same mobile number resource, for the person in the token. */
const USER_ROUTES: readonly RouteDefinition[] = [
  {
    operation: 'get-my-phone',
    method: 'GET',
    path: ME,
    summary: "Read the caller's phone",
    table: ['GetItem'],
    auth: 'user',
  },
  {
    operation: 'set-my-phone',
    method: 'PUT',
    path: ME,
    summary: "Set the caller's phone (unverified) and send a verification code",
    table: ['BatchGetItem', 'GetItem', 'PutItem', 'DeleteItem', 'UpdateItem', 'ConditionCheckItem'],
    sendsSms: true,
    usesPepper: true,
    auth: 'user',
  },
  {
    operation: 'remove-my-phone',
    method: 'DELETE',
    path: ME,
    summary: "Remove the caller's phone (a verified one only with a fresh code sent to it)",
    table: ['BatchGetItem', 'GetItem', 'PutItem', 'DeleteItem', 'UpdateItem', 'ConditionCheckItem'],
    sendsSms: true,
    usesPepper: true,
    auth: 'user',
  },
  {
    operation: 'resend-my-phone-verification',
    method: 'POST',
    path: `${ME}/_resend_verification`,
    summary: "Send a new verification code to the caller's phone",
    table: ['BatchGetItem', 'GetItem', 'PutItem', 'ConditionCheckItem', 'UpdateItem'],
    sendsSms: true,
    usesPepper: true,
    auth: 'user',
  },
  {
    operation: 'verify-my-phone',
    method: 'POST',
    path: `${ME}/_verify`,
    summary: "Verify the caller's phone with the code sent to it",
    // The verification's event (and, with the last wrong answer, the burst's) goes to the outbox: PutItem.
    table: ['BatchGetItem', 'GetItem', 'UpdateItem', 'DeleteItem', 'PutItem'],
    sendsSms: true,
    usesPepper: true,
    auth: 'user',
  },
];

/**
 * The same end-user methods in the Connect protocol (unary, JSON, POST `/<service>/<method>`), as Zitadel serves
 * them to `@zitadel/client`: one route (one Lambda) per method, with the grants of its REST twin.
 */
const AUTH_SERVICE = '/zitadel.auth.v1.AuthService';
const CONNECT_METHODS: ReadonlyArray<[operation: string, method: string]> = [
  ['get-my-phone', 'GetMyPhone'],
  ['set-my-phone', 'SetMyPhone'],
  ['verify-my-phone', 'VerifyMyPhone'],
  ['resend-my-phone-verification', 'ResendMyPhoneVerification'],
  ['remove-my-phone', 'RemoveMyPhone'],
];
const CONNECT_ROUTES: readonly RouteDefinition[] = CONNECT_METHODS.map(([operation, method]) => {
  const rest = USER_ROUTES.find((route) => route.operation === operation)!;
  return {
    ...rest,
    operation: `connect-${operation}`,
    method: 'POST',
    path: `${AUTH_SERVICE}/${method}`,
    summary: `${rest.summary} (Connect protocol: ${method})`,
  };
});

/**
 * The operator API: the bank's customer support acting on any person, with operator tokens only. Every write is
 * audited with the operator named by the token.
 */
const OPERATOR_PERSON = '/v1/operator/persons/{person_id}';
const OPERATOR_ROUTES: readonly RouteDefinition[] = [
  {
    operation: 'reset-second-factor',
    method: 'POST',
    path: `${OPERATOR_PERSON}/second_factor_resets`,
    summary:
      "Reset a person's second factor without it: remove the mobile number and/or revoke every bound device; starts the cooling-off window and tells the removed number",
    // Number, device count, language reads and the SMS limits' batch read; the bound devices from GSI1; one
    // transaction deleting the number and its OTP, updating the devices, the count (or checking it is zero) and the
    // phone sequence, putting the events and the cooling-off window; the notice's SMS limit updates.
    table: ['GetItem', 'BatchGetItem', 'DeleteItem', 'UpdateItem', 'PutItem', 'ConditionCheckItem'],
    indexes: ['GSI1'],
    sendsSms: true,
    auth: 'operator',
  },
  {
    operation: 'get-security-timeline',
    method: 'GET',
    path: `${OPERATOR_PERSON}/security_timeline`,
    summary: "A person's security events, newest first, with the cooling-off window (GSI1 query)",
    table: ['GetItem'],
    indexes: ['GSI1'],
    // The pepper derives the key that authenticates page cursors (shared/operator/timeline-cursor.ts).
    usesPepper: true,
    auth: 'operator',
  },
  // The fraud guard's prefix blocks (shared/fraud-guard/, docs/fraud-guard.md).
  {
    operation: 'list-sms-prefix-blocks',
    method: 'GET',
    path: '/v1/operator/sms_prefix_blocks',
    summary:
      'The destination prefixes the fraud guard has blocked for suspected SMS pumping, until they expire',
    // The block list's partition.
    table: ['Query'],
    auth: 'operator',
  },
  {
    operation: 'lift-sms-prefix-block',
    method: 'DELETE',
    path: '/v1/operator/sms_prefix_blocks/{prefix}',
    summary:
      "Lift a prefix block before it expires; the prefix's current unconverted codes are accepted for 15 minutes",
    // The prefix's profile and counts in one batch read; one transaction clearing the block, deleting its list entry
    // and putting the event.
    table: ['BatchGetItem', 'UpdateItem', 'DeleteItem', 'PutItem'],
    auth: 'operator',
  },
];

/**
 * Passkeys (concept: devices). A passkey is bound as a device, in three steps: an SMS OTP, the WebAuthn creation
 * options it unlocks, the registration (shared/passkeys/use-cases.ts).
 */
const PASSKEY_REGISTRATIONS = '/v1/mfa/passkeys/registrations';
const PASSKEY_ROUTES: readonly RouteDefinition[] = [
  {
    operation: 'create-passkey-registration',
    method: 'POST',
    path: PASSKEY_REGISTRATIONS,
    summary: 'Start binding a passkey as a device: SMS OTP to the verified number',
    table: ['BatchGetItem', 'GetItem', 'PutItem', 'UpdateItem'],
    sendsSms: true,
    usesPepper: true,
    usesPasskeys: true,
  },
  {
    operation: 'create-passkey-registration-options',
    method: 'POST',
    path: `${PASSKEY_REGISTRATIONS}/{registration_id}/options`,
    summary: "Check the enrollment's SMS OTP and answer the WebAuthn creation options",
    // The OTP confirms only while the verified number it went to is still the person's (a condition check).
    table: ['BatchGetItem', 'GetItem', 'PutItem', 'UpdateItem', 'ConditionCheckItem'],
    indexes: ['GSI1'],
    usesPepper: true,
    usesPasskeys: true,
  },
  {
    operation: 'complete-passkey-registration',
    method: 'PUT',
    path: `${PASSKEY_REGISTRATIONS}/{registration_id}`,
    summary: 'Complete binding a passkey with its WebAuthn registration (user verification required)',
    // Enrollment, device, key, credential (unique id), device count and the outbox put in one transaction.
    table: ['GetItem', 'PutItem', 'UpdateItem'],
    usesPasskeys: true,
  },
];

export const ROUTES: readonly RouteDefinition[] = [
  ...USER_ROUTES,
  ...CONNECT_ROUTES,
  ...OPERATOR_ROUTES,
  {
    operation: 'create-mobile-number',
    method: 'POST',
    path: `${PERSON}/mobile_number`,
    summary: 'Register a mobile number for a person (unverified)',
    table: ['PutItem', 'UpdateItem', 'GetItem'],
    acceptsSandbox: true,
  },
  {
    operation: 'get-mobile-number',
    method: 'GET',
    path: `${PERSON}/mobile_number`,
    summary: "Read a person's mobile number",
    table: ['GetItem'],
  },
  {
    operation: 'delete-mobile-number',
    method: 'DELETE',
    path: `${PERSON}/mobile_number`,
    summary: 'Remove an unverified number, or open a change request for a verified one',
    table: ['GetItem', 'DeleteItem', 'PutItem', 'UpdateItem'],
  },
  {
    operation: 'authorize-mobile-number',
    method: 'POST',
    path: `${PERSON}/mobile_number/authorize`,
    summary: 'Send an SMS OTP to verify the mobile number',
    table: ['BatchGetItem', 'GetItem', 'PutItem', 'UpdateItem', 'ConditionCheckItem'],
    sendsSms: true,
    usesPepper: true,
  },
  {
    operation: 'confirm-mobile-number',
    method: 'POST',
    path: `${PERSON}/mobile_number/confirm`,
    summary: 'Verify the mobile number with the SMS OTP',
    table: ['BatchGetItem', 'GetItem', 'UpdateItem', 'DeleteItem', 'PutItem'],
    sendsSms: true,
    usesPepper: true,
  },
  {
    operation: 'reauthorize-mobile-number',
    method: 'POST',
    path: `${PERSON}/mobile_number/reauthorize`,
    summary: 'Send a new SMS OTP with a chosen text',
    table: ['BatchGetItem', 'GetItem', 'PutItem', 'UpdateItem', 'ConditionCheckItem'],
    sendsSms: true,
    usesPepper: true,
  },
  {
    operation: 'put-language-settings',
    method: 'PUT',
    path: `${PERSON}/language_settings`,
    summary: "Set the language of a person's SMS",
    table: ['PutItem', 'GetItem', 'UpdateItem'],
  },
  {
    operation: 'get-language-settings',
    method: 'GET',
    path: `${PERSON}/language_settings`,
    summary: "Read the language of a person's SMS",
    table: ['GetItem'],
  },
  {
    operation: 'authorize-change-request',
    method: 'POST',
    path: '/v1/change_requests/{id}/authorize',
    summary: 'Send the second-factor challenge for a change request (SMS TAN or device challenge)',
    table: ['BatchGetItem', 'GetItem', 'UpdateItem', 'PutItem', 'ConditionCheckItem'],
    sendsSms: true,
    usesPepper: true,
  },
  {
    operation: 'confirm-change-request',
    method: 'POST',
    path: '/v1/change_requests/{id}/confirm',
    summary:
      'Confirm a change request with the TAN, device signature or passkey assertion; runs the guarded action',
    table: ['BatchGetItem', 'GetItem', 'UpdateItem', 'DeleteItem', 'PutItem', 'ConditionCheckItem'],
    sendsSms: true,
    usesPepper: true,
    usesPasskeys: true,
  },
  {
    operation: 'get-change-request',
    method: 'GET',
    path: '/v1/change_requests/{id}',
    summary: 'Read the state of a change request',
    table: ['GetItem', 'UpdateItem'],
  },
  {
    operation: 'create-payment-authorization',
    method: 'POST',
    path: `${PERSON}/payment_authorizations`,
    summary:
      'Open a payment authorization (dynamic linking): an SMS TAN bound to amount and payee, or a device challenge over them',
    // Number, language, SMS limits and device reads; the authorization put with its outbox record and the device
    // check in one transaction; the SMS limit updates.
    table: ['BatchGetItem', 'GetItem', 'PutItem', 'UpdateItem', 'ConditionCheckItem'],
    sendsSms: true,
    usesPepper: true,
  },
  {
    operation: 'confirm-payment-authorization',
    method: 'POST',
    path: '/v1/payment_authorizations/{id}/confirm',
    summary:
      'Confirm a payment authorization with the TAN and the terms, or the device signature; answers the signed receipt',
    // Authorization and budget reads; the outcome, budget unit, outbox record, key use and device check in one
    // transaction.
    table: ['BatchGetItem', 'GetItem', 'UpdateItem', 'PutItem', 'ConditionCheckItem'],
    usesPepper: true,
    signsReceipts: true,
  },
  {
    // Before the {id} route: the local gateway takes the first match (API Gateway prefers the literal segment).
    operation: 'get-payment-authorization-keys',
    method: 'GET',
    path: '/v1/payment_authorizations/keys',
    summary: 'The JWKS that verifies SCA receipts',
    table: [],
    readsReceiptKeys: true,
  },
  {
    operation: 'get-payment-authorization',
    method: 'GET',
    path: '/v1/payment_authorizations/{id}',
    summary: 'Read a payment authorization (with its receipt once completed)',
    // A lapsed authorization is closed on read, with its FAILED event.
    table: ['GetItem', 'UpdateItem', 'PutItem'],
  },
  {
    operation: 'create-webhook',
    method: 'POST',
    path: '/v1/webhooks',
    summary: 'Subscribe a URL to an event type (verified by a test POST); answers the signing secret once',
    table: ['PutItem', 'UpdateItem'],
    usesWebhookKey: true,
    withoutIdempotencyKey: true,
  },
  {
    operation: 'list-webhooks',
    method: 'GET',
    path: '/v1/webhooks',
    summary: 'List webhook subscriptions',
    table: [],
    indexes: ['GSI1'],
  },
  {
    operation: 'get-webhook',
    method: 'GET',
    path: '/v1/webhooks/{id}',
    summary: 'Read a webhook subscription',
    table: ['GetItem'],
  },
  {
    operation: 'delete-webhook',
    method: 'DELETE',
    path: '/v1/webhooks/{id}',
    summary: 'Delete a webhook subscription',
    table: ['DeleteItem', 'UpdateItem', 'GetItem', 'PutItem'],
  },
  {
    operation: 'create-device',
    method: 'POST',
    path: '/v1/mfa/devices',
    summary: 'Start binding a device: SMS OTP to the verified number, to be signed by the new key',
    // Mobile number, language, active-device count and SMS quota reads; device, key and challenge puts; the quota
    // slot update.
    table: ['BatchGetItem', 'GetItem', 'PutItem', 'UpdateItem'],
    sendsSms: true,
    usesPepper: true,
  },
  {
    operation: 'list-devices',
    method: 'GET',
    path: '/v1/mfa/devices',
    summary: "List a person's bound devices (GSI1 query)",
    table: [],
    indexes: ['GSI1'],
  },
  {
    operation: 'get-device',
    method: 'GET',
    path: `${DEVICE}`,
    summary: 'Read a device',
    table: ['GetItem'],
  },
  {
    operation: 'delete-device',
    method: 'DELETE',
    path: `${DEVICE}`,
    summary: 'Delete a device (soft); its keys can no longer sign',
    // Device update and active-device count update, with the outbox put, in one transaction.
    table: ['GetItem', 'UpdateItem', 'PutItem'],
  },
  {
    operation: 'get-signature-challenge',
    method: 'GET',
    path: '/v1/mfa/challenges/signatures/{challenge_id}',
    summary: 'Read a device binding challenge',
    table: ['GetItem'],
  },
  {
    operation: 'verify-signature-challenge',
    method: 'PUT',
    path: '/v1/mfa/challenges/signatures/{challenge_id}',
    summary: "Complete a device binding with the new key's signature over the SMS OTP",
    // The challenge, then the budget, number and cooling-off window in one read; the attempt and budget charge, or
    // the challenge, device, key, count and budget updates with the outbox put, in one transaction.
    table: ['GetItem', 'BatchGetItem', 'UpdateItem', 'PutItem', 'ConditionCheckItem'],
    usesPepper: true,
  },
  {
    operation: 'add-device-key',
    method: 'POST',
    path: `${DEVICE}/keys`,
    summary: "Add a key to a bound device, signed by the device's active key",
    table: ['GetItem', 'PutItem', 'UpdateItem'],
  },
  {
    operation: 'list-device-keys',
    method: 'GET',
    path: `${DEVICE}/keys`,
    summary: "List a device's keys",
    table: ['GetItem', 'Query'],
  },
  {
    operation: 'get-device-key',
    method: 'GET',
    path: `${DEVICE}/keys/{key_id}`,
    summary: 'Read one key of a device',
    table: ['GetItem'],
  },
  {
    operation: 'create-device-challenge',
    method: 'POST',
    path: '/v1/mfa/challenges/devices',
    summary: 'Start a device signing challenge',
    table: ['GetItem', 'ConditionCheckItem', 'PutItem', 'UpdateItem'],
  },
  {
    operation: 'get-device-challenge',
    method: 'GET',
    path: '/v1/mfa/challenges/devices/{challenge_id}',
    summary: 'Read a device signing challenge',
    table: ['GetItem'],
  },
  {
    operation: 'verify-device-challenge',
    method: 'PUT',
    path: '/v1/mfa/challenges/devices/{challenge_id}',
    summary: "Answer a device signing challenge with the device's signature or the passkey's assertion",
    // Challenge, key and device in one transaction; a passkey's counter (UpdateItem) or its regression event (PutItem).
    table: ['GetItem', 'UpdateItem', 'ConditionCheckItem', 'PutItem'],
    usesPasskeys: true,
  },
  ...PASSKEY_ROUTES,
];

export const handlerEntry = (route: RouteDefinition) => `functions/${route.operation}.ts`;

/** The route-table flags that stand for a grant besides table actions; each needs an SDK adapter on AWS. */
export type HandlerGrant =
  | 'sendsSms'
  | 'usesPepper'
  | 'usesWebhookKey'
  | 'signsReceipts'
  | 'readsReceiptKeys';
const GRANT_FLAGS: readonly HandlerGrant[] = [
  'sendsSms',
  'usesPepper',
  'usesWebhookKey',
  'signsReceipts',
  'readsReceiptKeys',
];

/** The event path's functions (not HTTP routes; lib/webhook-events.ts makes them) and their grants. */
export const EVENT_FUNCTIONS: Readonly<Record<string, readonly HandlerGrant[]>> = {
  'relay-outbox-events': [],
  'fan-out-webhook-events': [],
  'deliver-webhook': ['usesWebhookKey'],
};

/** Every function's grants besides table actions, by operation (HTTP routes and the event path). */
export const HANDLER_GRANTS: Readonly<Record<string, readonly HandlerGrant[]>> = {
  ...Object.fromEntries(ROUTES.map((route) => [route.operation, GRANT_FLAGS.filter((flag) => route[flag])])),
  ...EVENT_FUNCTIONS,
};

/** Fails for an operation that neither the route table nor the event path knows. */
export function routeOf(operation: string): readonly HandlerGrant[] {
  const grants = HANDLER_GRANTS[operation];
  if (!grants) throw new Error(`${operation} is not in the route table`);
  return grants;
}
