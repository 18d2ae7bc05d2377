/**
 * One pass over every route of the route table on its success path (plus a wrong OTP and a wrong device signature),
 * written against a small transport so the same steps run over HTTP through the local server (round trips) and
 * in-process against the handlers (the CPU section's recording).
 */
import { generateKeyPairSync, type KeyObject, randomInt, randomUUID, sign } from 'node:crypto';
import type { HttpMethod } from '../shared/routes.ts';
import type { OutboxEntry } from '../shared/sms/outbox-sms-sender.ts';
import { SoftAuthenticator } from '../test/support/soft-authenticator.ts';
import type { Auth } from './events.ts';
import { routeFor } from './events.ts';

export interface Step {
  /** The operation, plus a variant where one operation is called more than once (`confirm-mobile-number (wrong OTP)`). */
  label: string;
  operation: string;
  method: HttpMethod;
  url: string;
  body?: unknown;
  auth: Auth;
  /** The answer the success path gives: a status, or any 2xx / 4xx. */
  expect: number | '2xx' | '4xx';
}

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field, as a client would
  body: any;
}

export interface Transport {
  send(step: Step): Promise<Answer>;
  /** SMS sent so far (the local outbox). */
  sms(): readonly OutboxEntry[];
}

export interface StepResult {
  step: Step;
  status: number;
  expected: boolean;
}

/** The web origin the scenario's passkey signs for (allowed by the bench's WEBAUTHN_ORIGINS). */
export const PASSKEY_ORIGIN = 'http://localhost:8443';

export const uniquePerson = () => `bench-${randomUUID().replaceAll('-', '').slice(0, 24)}`;
/** A fresh German mobile number per flow, so no two flows share a number's SMS quota. */
export const uniqueNumber = () => `+49151${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;

/** A P-256 device key as the API wants it: uncompressed point hex; signatures DER hex over the message's bytes. */
export class DeviceKey {
  private readonly privateKey: KeyObject;
  readonly publicKeyHex: string;
  constructor() {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = pair.privateKey;
    this.publicKeyHex = pair.publicKey.export({ format: 'der', type: 'spki' }).subarray(-65).toString('hex');
  }
  sign(message: string): string {
    return sign('sha256', Buffer.from(message), this.privateKey).toString('hex');
  }
}

export function otpFor(transport: Transport, to: string): string {
  const text = transport
    .sms()
    .filter((m) => m.to === to)
    .at(-1)?.text;
  const code = text?.split('\n')[0]?.match(/\b(\d{6})\b/)?.[1];
  if (!code) throw new Error(`no OTP SMS to ${to}`);
  return code;
}

/** The TAN of the newest payment SMS: its last six-digit group (amount and payee come before it). */
function paymentTanFor(transport: Transport, to: string): string {
  const text = transport
    .sms()
    .filter((m) => m.to === to)
    .at(-1)?.text;
  const code = [...(text ?? '').matchAll(/\b\d{6}\b/g)].at(-1)?.[0];
  if (!code) throw new Error(`no payment SMS to ${to}`);
  return code;
}

const wrongCode = (code: string) => (code === '000000' ? '111111' : '000000');

/** Runs the steps; answers each step's status. A step that answers otherwise than expected is reported, not thrown. */
export async function runScenario(
  transport: Transport,
  options: { webhookUrl: string },
): Promise<StepResult[]> {
  const results: StepResult[] = [];
  const call = async (
    label: string,
    method: HttpMethod,
    url: string,
    body: unknown,
    expect: Step['expect'],
    auth: Auth = 'partner',
  ): Promise<Answer> => {
    const route = routeFor(method, new URL(url, 'http://x').pathname);
    if (!route) throw new Error(`scenario step ${label}: no route for ${method} ${url}`);
    const step: Step = {
      label,
      operation: route.operation,
      method,
      url,
      auth,
      expect,
      ...(body === undefined ? {} : { body }),
    };
    const answer = await transport.send(step);
    const expected =
      expect === '2xx'
        ? answer.status >= 200 && answer.status < 300
        : expect === '4xx'
          ? answer.status >= 400 && answer.status < 500
          : answer.status === expect;
    results.push({ step, status: answer.status, expected });
    return answer;
  };
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined || value === null) {
      const last = results.at(-1);
      throw new Error(`scenario: no ${what} after ${last?.step.label} answered ${last?.status}`);
    }
    return value;
  };

  // 1. A person's mobile number: language, register, read, verify (a wrong OTP first), a keyed re-authorization.
  const person = uniquePerson();
  const number = uniqueNumber();
  const numberPath = `/v1/persons/${person}/mobile_number`;
  await call(
    'put-language-settings',
    'PUT',
    `/v1/persons/${person}/language_settings`,
    { language: 'en' },
    '2xx',
  );
  await call('get-language-settings', 'GET', `/v1/persons/${person}/language_settings`, undefined, 200);
  await call('create-mobile-number', 'POST', numberPath, { number }, 201);
  await call('get-mobile-number', 'GET', numberPath, undefined, 200);
  await call('authorize-mobile-number', 'POST', `${numberPath}/authorize`, { number }, 201);
  const otp = otpFor(transport, number);
  await call(
    'confirm-mobile-number (wrong OTP)',
    'POST',
    `${numberPath}/confirm`,
    { number, token: wrongCode(otp) },
    '4xx',
  );
  await call('confirm-mobile-number', 'POST', `${numberPath}/confirm`, { number, token: otp }, 201);
  await call(
    'reauthorize-mobile-number',
    'POST',
    `${numberPath}/reauthorize`,
    {
      authorization_text_key: 'sms.sepa.transaction',
      authorization_text_variables: { iban: 'DE02120300000000202051', amount: '12,50 EUR', tan: '{tan}' },
    },
    201,
  );

  // 2. Device binding (docs/device-binding.md), reads, a second key, device signing (a wrong signature first).
  const key = new DeviceKey();
  const bound = await call(
    'create-device',
    'POST',
    '/v1/mfa/devices',
    { person_id: person, key_type: 'ecdsa-p256', key: key.publicKeyHex, name: 'Bench phone', language: 'en' },
    202,
  );
  const deviceId: string = need(bound.body?.id, 'device id');
  const keyId: string = need(bound.body?.key_id, 'key id');
  const bindingChallenge: string = need(bound.body?.challenge?.id, 'binding challenge');
  const signatures = `/v1/mfa/challenges/signatures/${bindingChallenge}`;
  await call('get-signature-challenge', 'GET', `${signatures}?person_id=${person}`, undefined, 200);
  await call(
    'verify-signature-challenge',
    'PUT',
    signatures,
    { signature: key.sign(otpFor(transport, number)) },
    204,
  );
  const device = `/v1/mfa/devices/${deviceId}`;
  await call('get-device', 'GET', `${device}?person_id=${person}`, undefined, 200);
  await call('list-devices', 'GET', `/v1/mfa/devices?filter[person_id]=${person}`, undefined, 200);
  await call('list-device-keys', 'GET', `${device}/keys?person_id=${person}`, undefined, 200);
  await call('get-device-key', 'GET', `${device}/keys/${keyId}?person_id=${person}`, undefined, 200);
  const restricted = new DeviceKey();
  await call(
    'add-device-key',
    'POST',
    `${device}/keys`,
    {
      key: restricted.publicKeyHex,
      key_type: 'ecdsa-p256',
      key_purpose: 'restricted',
      device_signature: {
        signature_key_purpose: 'unrestricted',
        signature: key.sign(restricted.publicKeyHex),
      },
      person_id: person,
    },
    201,
  );
  const challenge = await call(
    'create-device-challenge',
    'POST',
    '/v1/mfa/challenges/devices',
    { device_id: deviceId, person_id: person },
    '2xx',
  );
  const challengeId: string = need(challenge.body?.id, 'device challenge id');
  const toSign: string = need(challenge.body?.string_to_sign, 'string_to_sign');
  const devicesChallenge = `/v1/mfa/challenges/devices/${challengeId}`;
  await call('get-device-challenge', 'GET', `${devicesChallenge}?person_id=${person}`, undefined, 200);
  await call(
    'verify-device-challenge (wrong signature)',
    'PUT',
    devicesChallenge,
    { signature: new DeviceKey().sign(toSign) },
    403,
  );
  await call('verify-device-challenge', 'PUT', devicesChallenge, { signature: key.sign(toSign) }, 204);

  // 2b. Payment authorizations: by SMS (a confirm naming other values first), by the bound device, the key set.
  const payments = `/v1/persons/${person}/payment_authorizations`;
  const terms = {
    amount: { value: 1250, currency: 'EUR' },
    payee: { name: 'Bench GmbH', iban: 'DE89370400440532013000' },
  };
  const bySms = await call(
    'create-payment-authorization (sms)',
    'POST',
    payments,
    { ...terms, method: 'sms' },
    201,
  );
  const smsPayment = `/v1/payment_authorizations/${need(bySms.body?.id, 'payment authorization id')}`;
  const paymentTan = paymentTanFor(transport, number);
  await call(
    'confirm-payment-authorization (other values)',
    'POST',
    `${smsPayment}/confirm`,
    { ...terms, amount: { value: 1251, currency: 'EUR' }, tan: paymentTan },
    403,
  );
  await call(
    'confirm-payment-authorization (sms)',
    'POST',
    `${smsPayment}/confirm`,
    { ...terms, tan: paymentTan },
    201,
  );
  await call('get-payment-authorization', 'GET', smsPayment, undefined, 200);
  const byDevice = await call(
    'create-payment-authorization (device)',
    'POST',
    payments,
    { ...terms, method: 'device_signing', device_id: deviceId },
    201,
  );
  const devicePayment = `/v1/payment_authorizations/${need(byDevice.body?.id, 'payment authorization id')}`;
  const paymentToSign: string = need(byDevice.body?.string_to_sign, 'payment string_to_sign');
  await call(
    'confirm-payment-authorization (device)',
    'POST',
    `${devicePayment}/confirm`,
    { signature: key.sign(paymentToSign) },
    201,
  );
  await call('get-payment-authorization-keys', 'GET', '/v1/payment_authorizations/keys', undefined, 200);

  // 2c. A passkey bound as a device (SMS OTP, creation options, registration); it answers a device challenge and
  // approves a payment through Secure Payment Confirmation.
  const registrations = '/v1/mfa/passkeys/registrations';
  const enrolled = await call(
    'create-passkey-registration',
    'POST',
    registrations,
    { person_id: person, name: 'Bench passkey' },
    202,
  );
  const registration = `${registrations}/${need(enrolled.body?.id, 'passkey registration id')}`;
  const creation = await call(
    'create-passkey-registration-options',
    'POST',
    `${registration}/options`,
    { tan: otpFor(transport, number) },
    201,
  );
  const passkey = new SoftAuthenticator({ origin: PASSKEY_ORIGIN, rpId: 'localhost' });
  const passkeyDevice = await call(
    'complete-passkey-registration',
    'PUT',
    registration,
    { credential: passkey.register(need(creation.body, 'creation options')) },
    201,
  );
  const passkeyId: string = need(passkeyDevice.body?.id, 'passkey device id');
  const passkeyChallenge = await call(
    'create-device-challenge (passkey)',
    'POST',
    '/v1/mfa/challenges/devices',
    { device_id: passkeyId },
    201,
  );
  await call(
    'verify-device-challenge (passkey)',
    'PUT',
    `/v1/mfa/challenges/devices/${need(passkeyChallenge.body?.id, 'passkey challenge id')}`,
    { webauthn: passkey.assert(need(passkeyChallenge.body?.webauthn?.challenge, 'WebAuthn challenge')) },
    204,
  );
  const byPasskey = await call(
    'create-payment-authorization (passkey)',
    'POST',
    payments,
    { ...terms, method: 'device_signing', device_id: passkeyId },
    201,
  );
  const spc = need(byPasskey.body?.webauthn, 'SPC request');
  await call(
    'confirm-payment-authorization (passkey)',
    'POST',
    `/v1/payment_authorizations/${byPasskey.body.id}/confirm`,
    {
      webauthn: passkey.assert(spc.challenge, {
        payment: {
          rpId: 'localhost',
          topOrigin: PASSKEY_ORIGIN,
          payeeName: spc.payee_name,
          total: spc.total,
          instrument: { displayName: 'Passkey', icon: `${PASSKEY_ORIGIN}/icon.png` },
        },
      }),
    },
    201,
  );

  // 3. Deleting the verified number through a change request confirmed by SMS TAN; then the device.
  const opened = await call('delete-mobile-number', 'DELETE', numberPath, { number }, 202);
  const requestId: string = need(opened.body?.id, 'change request id');
  const changeRequest = `/v1/change_requests/${requestId}`;
  await call('get-change-request', 'GET', changeRequest, undefined, 200);
  await call(
    'authorize-change-request',
    'POST',
    `${changeRequest}/authorize`,
    { delivery_method: 'mobile_number', person_id: person },
    201,
  );
  const tan = otpFor(transport, number);
  await call('confirm-change-request', 'POST', `${changeRequest}/confirm`, { person_id: person, tan }, 201);
  await call('delete-device', 'DELETE', `${device}?person_id=${person}`, undefined, 204);

  // 4. A webhook subscription (verified with a POST to the local receiver), read, listed, deleted.
  const created = await call(
    'create-webhook',
    'POST',
    '/v1/webhooks',
    { event_type: 'PERSON_MOBILE_NUMBER_CREATED', url: options.webhookUrl },
    201,
  );
  const webhookId: string = need(created.body?.id, 'webhook id');
  await call('list-webhooks', 'GET', '/v1/webhooks', undefined, 200);
  await call('get-webhook', 'GET', `/v1/webhooks/${webhookId}`, undefined, 200);
  await call('delete-webhook', 'DELETE', `/v1/webhooks/${webhookId}`, undefined, 204);

  // 5. The end-user API for another person: set, read, resend, verify, remove (a verified phone needs a code).
  const user: Auth = { user: uniquePerson() };
  const phone = uniqueNumber();
  const ME = '/auth/v1/users/me/phone';
  await call('set-my-phone', 'PUT', ME, { phone }, 200, user);
  await call('get-my-phone', 'GET', ME, undefined, 200, user);
  await call('resend-my-phone-verification', 'POST', `${ME}/_resend_verification`, {}, 200, user);
  await call('verify-my-phone', 'POST', `${ME}/_verify`, { code: otpFor(transport, phone) }, 200, user);
  await call('remove-my-phone (code sent)', 'DELETE', ME, undefined, 400, user);
  await call('remove-my-phone', 'DELETE', ME, { code: otpFor(transport, phone) }, 200, user);
  return results;
}

/** The labels whose round trips are budgeted (at most 2 each): the OTP and signature checks. */
export const ROUND_TRIP_BUDGET = 2;
export const BUDGETED_LABELS = [
  'authorize-mobile-number',
  'confirm-mobile-number',
  'verify-device-challenge',
  'verify-signature-challenge',
  'confirm-payment-authorization (device)',
];
