/**
 * Reference device client: what a phone app does, in WebCrypto, so it reads the same in a browser, React Native's
 * WebCrypto shims or Node. It generates a P-256 key, binds it with the SMS OTP, and answers device challenges.
 *
 * The one pitfall: WebCrypto's ECDSA signature is the raw 64 bytes r||s (IEEE P1363), while the API wants the
 * ASN.1 DER encoding `SEQUENCE { INTEGER r, INTEGER s }`, hex. `rawToDer` converts. Android's and iOS's key stores
 * (SHA256withECDSA, SecKeyCreateSignature with .ecdsaSignatureMessageX962SHA256) already return DER.
 */
import type { webcrypto } from 'node:crypto';

export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;

const subtle = globalThis.crypto.subtle;
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** A new key pair. On a phone, generate it in the secure hardware and never export the private key. */
export function generateDeviceKey(extractable = false): Promise<CryptoKeyPair> {
  return subtle.generateKey(ALGORITHM, extractable, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

/** The public key as the API wants it: hex of the uncompressed point 04||X||Y (WebCrypto's "raw" export). */
export async function publicKeyHex(publicKey: CryptoKey): Promise<string> {
  return hex(new Uint8Array(await subtle.exportKey('raw', publicKey)));
}

/** One DER INTEGER from a 32-byte big-endian unsigned value: minimal length, 0x00 prefix if the top bit is set. */
function derInteger(value: Uint8Array): Uint8Array {
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) start++;
  const body = value.subarray(start);
  const padded = body[0]! & 0x80 ? Uint8Array.of(0, ...body) : body;
  return Uint8Array.of(0x02, padded.length, ...padded);
}

/** WebCrypto's r||s (64 bytes) to DER. */
export function rawToDer(raw: Uint8Array): Uint8Array {
  if (raw.length !== 64) throw new Error('a P-256 raw signature has 64 bytes');
  const r = derInteger(raw.subarray(0, 32));
  const s = derInteger(raw.subarray(32));
  return Uint8Array.of(0x30, r.length + s.length, ...r, ...s);
}

/** ECDSA P-256 over SHA-256 of the message's bytes (WebCrypto hashes; do not hash first), DER, hex. */
export async function signHex(privateKey: CryptoKey, message: string): Promise<string> {
  const raw = new Uint8Array(await subtle.sign(SIGN, privateKey, new TextEncoder().encode(message)));
  return hex(rawToDer(raw));
}

/** Where the partner API is and the bearer token to call it with (the partner's backend holds it, not the phone). */
export interface Api {
  baseUrl: string;
  token?: string;
}

async function call(api: Api, method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = api.token ? { authorization: `Bearer ${api.token}` } : {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(new URL(path, api.baseUrl), {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/**
 * The OTP of the newest SMS to the person's number, from the local server's outbox (a real app reads the SMS, or
 * lets Android's SMS Retriever hand it over). The OTP is on the first line; the app hash, if any, on the last.
 */
export async function readOtpFromLocalOutbox(api: Api, personId: string): Promise<string> {
  const { number } = await call(api, 'GET', `/v1/persons/${personId}/mobile_number`);
  const messages: Array<{ to: string; text: string }> = await call(api, 'GET', '/_local/sms');
  const text = messages.filter((m) => m.to === number).at(-1)?.text ?? '';
  const otp = /\b\d{6}\b/.exec(text.split('\n')[0]!)?.[0];
  if (!otp) throw new Error(`no OTP SMS for ${number} in the local outbox`);
  return otp;
}

export interface BoundDevice {
  deviceId: string;
  keyId: string;
}

/**
 * Bind: register the public key (the server texts an OTP to the person's verified number), then prove possession
 * of the private key by signing that OTP's ASCII bytes.
 */
export async function bind(
  api: Api,
  options: {
    personId: string;
    name: string;
    keys: CryptoKeyPair;
    keyPurpose?: 'unrestricted' | 'restricted';
    readOtp?: () => Promise<string>;
  },
): Promise<BoundDevice> {
  const started = await call(api, 'POST', '/v1/mfa/devices', {
    person_id: options.personId,
    key_type: 'ecdsa-p256',
    key: await publicKeyHex(options.keys.publicKey),
    key_purpose: options.keyPurpose ?? 'unrestricted',
    name: options.name,
    language: 'en',
  });
  const otp = await (options.readOtp ?? (() => readOtpFromLocalOutbox(api, options.personId)))();
  await call(api, 'PUT', `/v1/mfa/challenges/signatures/${started.challenge.id}`, {
    signature: await signHex(options.keys.privateKey, otp),
  });
  return { deviceId: started.id, keyId: started.key_id };
}

/** Device signing: ask for a challenge, sign its `string_to_sign`, answer it. Answers the challenge id. */
export async function signChallenge(
  api: Api,
  options: { deviceId: string; privateKey: CryptoKey; keyPurpose?: 'unrestricted' | 'restricted' },
): Promise<string> {
  const challenge = await call(api, 'POST', '/v1/mfa/challenges/devices', {
    device_id: options.deviceId,
    key_purpose: options.keyPurpose ?? 'unrestricted',
  });
  await call(api, 'PUT', `/v1/mfa/challenges/devices/${challenge.id}`, {
    signature: await signHex(options.privateKey, challenge.string_to_sign),
  });
  return challenge.id;
}

/** A payment authorization's terms as the device reads them from `string_to_sign` (canonical form v1). */
export interface PaymentToSign {
  authorizationId: string;
  amount: { value: number; currency: string };
  payee: { name: string; iban?: string; accountReference?: string };
}

/**
 * Reads the terms out of a payment authorization's `string_to_sign` (canonical form v1, docs/walkthroughs/7-payment-authorization.md). The device
 * shows what it reads here, from the very bytes it signs, never from fields sent beside them: what the person sees
 * is then what the signature covers. Anything that is not exactly that form is refused, so nothing unreadable is
 * ever signed.
 */
export function readPaymentToSign(stringToSign: string): PaymentToSign {
  const [version, ...lines] = stringToSign.split('\n');
  if (version !== 'PAYMENT_AUTHORIZATION v1') throw new Error('not a payment authorization (v1) to sign');
  const fields = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon < 1 || fields.has(line.slice(0, colon))) throw new Error('malformed payment authorization');
    fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  const wanted = (name: string) => {
    const value = fields.get(name);
    if (value === undefined || value === '') throw new Error(`payment authorization without ${name}`);
    return value;
  };
  const value = Number(wanted('amount'));
  if (!Number.isSafeInteger(value) || value <= 0 || String(value) !== wanted('amount')) {
    throw new Error('payment authorization with a malformed amount');
  }
  const iban = fields.get('payee_iban');
  const accountReference = fields.get('payee_account_reference');
  if ((iban === undefined) === (accountReference === undefined) || fields.size !== 5) {
    throw new Error('malformed payment authorization');
  }
  return {
    authorizationId: wanted('authorization_id'),
    amount: { value, currency: wanted('currency') },
    payee: {
      name: wanted('payee_name'),
      ...(iban !== undefined ? { iban } : { accountReference: accountReference! }),
    },
  };
}

/** What the device shows before the person approves: amount in the locale's format, payee name and account. */
export function paymentPrompt(payment: PaymentToSign, locale = 'en-GB'): string {
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency: payment.amount.currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  const account = payment.payee.iban
    ? `IBAN ${payment.payee.iban.replace(/(.{4})(?=.)/g, '$1 ')}`
    : `account ${payment.payee.accountReference}`;
  return `Pay ${format.format(payment.amount.value / 10 ** digits)} to ${payment.payee.name}, ${account}?`;
}

/**
 * Device signing of a payment authorization: read the terms from `string_to_sign`, show them, and sign only once the
 * person approved (`approve` stands for the app's confirmation screen). The signature goes back to the partner's
 * backend, which confirms the authorization with it; here the client confirms directly, as the demo does.
 */
export async function signPaymentAuthorization(
  api: Api,
  options: {
    authorizationId: string;
    privateKey: CryptoKey;
    approve: (prompt: string, payment: PaymentToSign) => Promise<boolean>;
  },
): Promise<{ prompt: string; confirmed?: Record<string, unknown> }> {
  const authorization = await call(api, 'GET', `/v1/payment_authorizations/${options.authorizationId}`);
  const payment = readPaymentToSign(authorization.string_to_sign);
  if (payment.authorizationId !== options.authorizationId)
    throw new Error('string_to_sign names another authorization');
  const prompt = paymentPrompt(payment);
  if (!(await options.approve(prompt, payment))) return { prompt };
  const confirmed = await call(api, 'POST', `/v1/payment_authorizations/${options.authorizationId}/confirm`, {
    signature: await signHex(options.privateKey, authorization.string_to_sign),
  });
  return { prompt, confirmed };
}
