import { createPublicKey, type KeyObject, verify } from 'node:crypto';

/**
 * P-256 public keys and ECDSA signatures as the device API carries them: keys as hex of the uncompressed point
 * `04||X||Y`, signatures as hex of the DER `SEQUENCE { INTEGER r, INTEGER s }` over SHA-256 of the message bytes.
 */

// Curve constants of NIST P-256 (SEC 2, secp256r1).
const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const bigintOf = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
const mod = (a: bigint) => ((a % P) + P) % P;

/**
 * Parses a public key. The point is checked against the curve equation y² = x³ - 3x + b (mod p) here, and again by
 * OpenSSL when the key object is built: an off-curve point would open invalid-curve attacks on anything the key
 * later does, so it never gets stored.
 */
export function parsePublicKeyHex(hex: string): Parsed<KeyObject> {
  if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length % 2 !== 0) return { ok: false, reason: 'must be hex' };
  if (hex.length === 66 && /^0[23]/.test(hex)) {
    return {
      ok: false,
      reason: 'must be an uncompressed point (04||X||Y); compressed points are not accepted',
    };
  }
  if (hex.length !== 130 || !hex.startsWith('04')) {
    return { ok: false, reason: 'must be the 130 hex characters of an uncompressed P-256 point (04||X||Y)' };
  }
  const bytes = Buffer.from(hex, 'hex');
  const x = bytes.subarray(1, 33);
  const y = bytes.subarray(33, 65);
  const bx = bigintOf(x);
  const by = bigintOf(y);
  const onCurve = bx < P && by < P && mod(by * by) === mod(bx * bx * bx - 3n * bx + B);
  if (!onCurve) return { ok: false, reason: 'is not a point on the P-256 curve' };
  try {
    const key = createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: x.toString('base64url'), y: y.toString('base64url') },
      format: 'jwk',
    });
    return { ok: true, value: key };
  } catch {
    return { ok: false, reason: 'is not a point on the P-256 curve' };
  }
}

/** Reads one DER INTEGER at `offset` that must be a positive, minimally encoded value below the group order. */
function readScalar(der: Buffer, offset: number): { value: Buffer; next: number } | undefined {
  if (der[offset] !== 0x02) return undefined;
  const length = der[offset + 1];
  if (length === undefined || length === 0 || length > 33) return undefined;
  const start = offset + 2;
  const end = start + length;
  if (end > der.length) return undefined;
  const body = der.subarray(start, end);
  if (body[0]! & 0x80) return undefined; // negative
  if (body.length > 1 && body[0] === 0 && !(body[1]! & 0x80)) return undefined; // needless leading zero
  const value = bigintOf(body);
  if (value === 0n || value >= N) return undefined;
  return { value: Buffer.from(value.toString(16).padStart(64, '0'), 'hex'), next: end };
}

/**
 * Strict DER: one SEQUENCE of two INTEGERs, short-form lengths only (a P-256 signature is at most 72 bytes), minimal
 * integer encodings, 0 < r, s < n, and nothing after the SEQUENCE. Returns the fixed-width r||s (IEEE P1363).
 * Being strict keeps one signature from having several accepted encodings.
 */
export function derToP1363(der: Buffer): Parsed<Buffer> {
  const fail = {
    ok: false,
    reason: 'must be a DER-encoded ECDSA signature (SEQUENCE of INTEGER r, INTEGER s)',
  };
  if (der.length < 8 || der.length > 72 || der[0] !== 0x30 || der[1] !== der.length - 2)
    return fail as Parsed<Buffer>;
  const r = readScalar(der, 2);
  if (!r) return fail as Parsed<Buffer>;
  const s = readScalar(der, r.next);
  if (!s || s.next !== der.length) return fail as Parsed<Buffer>;
  return { ok: true, value: Buffer.concat([r.value, s.value]) };
}

/** Parses hex of a DER signature; garbage, odd length or a malformed structure answer a reason. */
export function parseSignatureHex(hex: string): Parsed<Buffer> {
  if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length % 2 !== 0) return { ok: false, reason: 'must be hex' };
  return derToP1363(Buffer.from(hex, 'hex'));
}

/** ECDSA P-256 over SHA-256 of the message's raw bytes (hashed once, here). */
export function verifyP256(publicKey: KeyObject, message: string, p1363: Buffer): boolean {
  return verify('sha256', Buffer.from(message), { key: publicKey, dsaEncoding: 'ieee-p1363' }, p1363);
}
