/**
 * The route table: the one list of operations. The CDK stack makes one Lambda and one HTTP API route per entry and
 * grants each exactly what the entry names; the local server serves the same entries with the same handlers.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** DynamoDB actions an operation performs (transactions are authorized per item action). */
export type TableAction =
  | 'GetItem'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'ConditionCheckItem'
  | 'Query';

export interface RouteDefinition {
  /** Kebab-case verb-noun; also the handler's file name: `functions/<operation>.ts`. */
  operation: string;
  method: HttpMethod;
  /** API Gateway path with `{name}` parameters. */
  path: string;
  summary: string;
  table: readonly TableAction[];
  /** May publish SMS through SNS. */
  sendsSms?: boolean;
  /** Reads the OTP pepper secret (issues or checks OTPs). */
  usesPepper?: boolean;
}

const PERSON = '/v1/persons/{person_id}';
const DEVICE = '/v1/mfa/devices/{device_id}';

export const ROUTES: readonly RouteDefinition[] = [
  {
    operation: 'create-mobile-number',
    method: 'POST',
    path: `${PERSON}/mobile_number`,
    summary: 'Register a mobile number for a person (unverified)',
    table: ['PutItem'],
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
    summary: 'Remove an unverified mobile number',
    table: ['GetItem', 'DeleteItem', 'PutItem'],
  },
  {
    operation: 'authorize-mobile-number',
    method: 'POST',
    path: `${PERSON}/mobile_number/authorize`,
    summary: 'Send an SMS OTP to verify the mobile number',
    table: ['GetItem', 'PutItem', 'ConditionCheckItem'],
    sendsSms: true,
    usesPepper: true,
  },
  {
    operation: 'confirm-mobile-number',
    method: 'POST',
    path: `${PERSON}/mobile_number/confirm`,
    summary: 'Verify the mobile number with the SMS OTP',
    table: ['GetItem', 'UpdateItem', 'DeleteItem'],
    usesPepper: true,
  },
  {
    operation: 'reauthorize-mobile-number',
    method: 'POST',
    path: `${PERSON}/mobile_number/reauthorize`,
    summary: 'Send a new SMS OTP with a chosen text',
    table: ['GetItem', 'PutItem', 'ConditionCheckItem'],
    sendsSms: true,
    usesPepper: true,
  },
  {
    operation: 'put-language-settings',
    method: 'PUT',
    path: `${PERSON}/language_settings`,
    summary: "Set the language of a person's SMS",
    table: ['PutItem'],
  },
  {
    operation: 'get-language-settings',
    method: 'GET',
    path: `${PERSON}/language_settings`,
    summary: "Read the language of a person's SMS",
    table: ['GetItem'],
  },
  {
    operation: 'create-device',
    method: 'POST',
    path: '/v1/mfa/devices',
    summary: 'Start binding a device: SMS OTP to the verified number, to be signed by the new key',
    // Mobile number, language, active-device count and SMS quota reads; quota, device, key and challenge puts.
    table: ['GetItem', 'PutItem'],
    sendsSms: true,
    usesPepper: true,
  },
  {
    operation: 'list-devices',
    method: 'GET',
    path: '/v1/mfa/devices',
    summary: "List a person's bound devices (GSI1 query)",
    table: ['Query'],
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
    // Attempt charge, then challenge, device, key and count updates with the outbox put in one transaction.
    table: ['GetItem', 'UpdateItem', 'PutItem'],
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
    table: ['GetItem', 'ConditionCheckItem', 'PutItem'],
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
    summary: "Answer a device signing challenge with the device's signature",
    table: ['GetItem', 'UpdateItem', 'ConditionCheckItem'],
  },
];

export const handlerEntry = (route: RouteDefinition) => `functions/${route.operation}.ts`;
