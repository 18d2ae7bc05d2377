import { createHash, createPublicKey } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import type { receiptKeySection } from '../config.ts';
import type { PublicJwk, ReceiptSigner } from '../receipts/receipt-signer.ts';

/** KMS signs a RAW message of at most 4096 bytes; a receipt's `header.payload` is far below that. */
const KMS_RAW_MESSAGE_LIMIT = 4096;
/** An ES256 signature in JOSE form: r and s, 32 bytes each, big-endian (RFC 7518 section 3.4). */
const COORDINATE_BYTES = 32;

const base64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');

/** Reads one DER length (short form, or the long form with one or two length bytes); answers [length, next offset]. */
function derLength(der: Uint8Array, at: number): [number, number] {
  const first = der[at];
  if (first === undefined) throw new Error('DER signature truncated');
  if (first < 0x80) return [first, at + 1];
  const bytes = first & 0x7f;
  if (bytes < 1 || bytes > 2 || at + bytes >= der.length) throw new Error('DER signature has a bad length');
  let length = 0;
  for (let i = 1; i <= bytes; i++) length = (length << 8) | der[at + i]!;
  return [length, at + 1 + bytes];
}

/** One DER INTEGER as exactly 32 unsigned big-endian bytes: strips its sign byte, pads a short value with zeros. */
function derInteger(der: Uint8Array, at: number): [Uint8Array, number] {
  if (der[at] !== 0x02) throw new Error('DER signature: INTEGER expected');
  const [length, start] = derLength(der, at + 1);
  const end = start + length;
  if (length === 0 || end > der.length) throw new Error('DER signature: INTEGER truncated');
  let value = der.subarray(start, end);
  // A positive INTEGER whose high bit is set carries a leading 0x00; leading zeros beyond that are not DER.
  while (value.length > 1 && value[0] === 0x00) value = value.subarray(1);
  if (value.length > COORDINATE_BYTES) throw new Error('DER signature: INTEGER longer than 32 bytes');
  const out = new Uint8Array(COORDINATE_BYTES);
  out.set(value, COORDINATE_BYTES - value.length);
  return [out, end];
}

/**
 * KMS answers an ECDSA signature as DER (`SEQUENCE { INTEGER r, INTEGER s }`, X9.62); JWS ES256 wants r || s, 64
 * bytes (RFC 7518 section 3.4). r and s are each 1 to 33 bytes in DER: one more when the high bit is set, fewer
 * when the value has leading zero bytes.
 */
export function derToJose(der: Uint8Array): Uint8Array {
  if (der[0] !== 0x30) throw new Error('DER signature: SEQUENCE expected');
  const [length, body] = derLength(der, 1);
  if (body + length !== der.length) throw new Error('DER signature: SEQUENCE length does not match');
  const [r, afterR] = derInteger(der, body);
  const [s, afterS] = derInteger(der, afterR);
  if (afterS !== der.length) throw new Error('DER signature: trailing bytes');
  const jose = new Uint8Array(2 * COORDINATE_BYTES);
  jose.set(r, 0);
  jose.set(s, COORDINATE_BYTES);
  return jose;
}

/** A P-256 public key (SubjectPublicKeyInfo, DER) as a JWK whose kid is its RFC 7638 thumbprint. */
export function spkiToJwk(spki: Uint8Array): PublicJwk {
  const jwk = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).export({
    format: 'jwk',
  });
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.x || !jwk.y) {
    throw new Error('the receipt key is not an ECC_NIST_P256 key');
  }
  // RFC 7638 section 3.2: the required members only, in lexicographic order, without whitespace.
  const thumbprint = createHash('sha256')
    .update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }))
    .digest('base64url');
  return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid: thumbprint, alg: 'ES256', use: 'sig' };
}

/**
 * Signs receipts with an asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY): the private key never leaves KMS, and each
 * signature is a `kms:Sign` call in CloudTrail. The public keys are read once per container (GetPublicKey) and
 * kept; `retiredKeyIds` are keys that no longer sign but whose receipts must still verify, so the JWKS publishes
 * them beside the signing key while a rotation overlaps.
 */
export class KmsReceiptSigner implements ReceiptSigner {
  private keys: Promise<PublicJwk[]> | undefined;

  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
    private readonly retiredKeyIds: readonly string[] = [],
  ) {}

  async sign(claims: Record<string, unknown>): Promise<string> {
    const [signing] = await this.publicKeys();
    const header = base64url(JSON.stringify({ alg: 'ES256', typ: 'JWT', kid: signing!.kid }));
    const signingInput = `${header}.${base64url(JSON.stringify(claims))}`;
    const message = Buffer.from(signingInput, 'ascii');
    if (message.length > KMS_RAW_MESSAGE_LIMIT) {
      throw new Error(
        `receipt too large for KMS RAW signing (${message.length} > ${KMS_RAW_MESSAGE_LIMIT} bytes)`,
      );
    }
    const { Signature } = await this.kms.send(
      new SignCommand({
        KeyId: this.keyId,
        Message: message,
        MessageType: 'RAW',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    if (!Signature) throw new Error('KMS answered no signature');
    return `${signingInput}.${base64url(derToJose(Signature))}`;
  }

  /** The signing key first, then the retired ones. A failed read is not kept, so the next call tries again. */
  publicKeys(): Promise<PublicJwk[]> {
    this.keys ??= Promise.all([this.keyId, ...this.retiredKeyIds].map((id) => this.publicKey(id))).catch(
      (error: unknown) => {
        this.keys = undefined;
        throw error;
      },
    );
    return this.keys;
  }

  private async publicKey(keyId: string): Promise<PublicJwk> {
    const answer = await this.kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
    if (answer.KeySpec !== 'ECC_NIST_P256' || answer.KeyUsage !== 'SIGN_VERIFY' || !answer.PublicKey) {
      throw new Error(`KMS key ${keyId} is not an ECC_NIST_P256 SIGN_VERIFY key`);
    }
    return spkiToJwk(answer.PublicKey);
  }
}

/**
 * The KMS receipt signer for the key settings `kmsReceiptSigner` (shared/aws/kms.ts) read, which loads this module on
 * the first receipt or key-set request.
 */
export function createKmsReceiptSigner(settings: ReturnType<typeof receiptKeySection>): KmsReceiptSigner {
  return new KmsReceiptSigner(
    new KMSClient({ region: settings.region }),
    settings.receiptKeyId,
    settings.retiredReceiptKeyIds,
  );
}
