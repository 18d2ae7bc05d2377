import { createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openOtp, sealOtp } from '../../shared/codes/code-seal.ts';
import { rawToDer } from '../../shared/devices/device-client.ts';
import { derToP1363, parsePublicKeyHex, parseSignatureHex, verifyP256 } from '../../shared/devices/p256.ts';
import { OpensslKey } from '../support/openssl.ts';

const N = 'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551';

function pointHex() {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const hex = `04${Buffer.from(jwk.x!, 'base64url').toString('hex')}${Buffer.from(jwk.y!, 'base64url').toString('hex')}`;
  return { hex, jwk, privateKey };
}

describe('public keys', () => {
  it('accepts an uncompressed point from openssl and refuses a compressed one', () => {
    const key = OpensslKey.generate();
    expect(parsePublicKeyHex(key.publicKeyHex()).ok).toBe(true);
    expect(parsePublicKeyHex(key.publicKeyHex('compressed'))).toEqual({
      ok: false,
      reason: expect.stringMatching(/compressed/),
    });
  });

  it('refuses a point off the curve, and so does OpenSSL when asked to build the key from a JWK', () => {
    const { hex, jwk } = pointHex();
    const y = Buffer.from(hex.slice(66), 'hex');
    y[31]! ^= 1;
    const offCurve = `${hex.slice(0, 66)}${y.toString('hex')}`;
    expect(parsePublicKeyHex(offCurve)).toEqual({ ok: false, reason: 'is not a point on the P-256 curve' });
    expect(() => createPublicKey({ key: { ...jwk, y: y.toString('base64url') }, format: 'jwk' })).toThrow();
  });

  it('refuses coordinates at or above p (no reduction modulo p)', () => {
    expect(parsePublicKeyHex(`04${'ff'.repeat(64)}`).ok).toBe(false);
  });
});

describe('strict DER signatures', () => {
  const { hex, privateKey } = pointHex();
  const key = parsePublicKeyHex(hex);
  if (!key.ok) throw new Error('key');
  const der = sign('sha256', Buffer.from('123456'), privateKey);

  it('verifies a DER signature over the ASCII bytes of the message, once hashed', () => {
    const p1363 = derToP1363(der);
    expect(p1363.ok && verifyP256(key.value, '123456', p1363.value)).toBe(true);
    expect(p1363.ok && verifyP256(key.value, '123457', p1363.value)).toBe(false);
  });

  it('refuses trailing bytes, a wrong outer length, long-form lengths, and garbage', () => {
    expect(derToP1363(Buffer.concat([der, Buffer.of(0)])).ok).toBe(false);
    const wrongLength = Buffer.from(der);
    wrongLength[1]! += 1;
    expect(derToP1363(wrongLength).ok).toBe(false);
    const longForm = Buffer.concat([Buffer.of(0x30, 0x81, der.length - 2), der.subarray(2)]);
    expect(derToP1363(longForm).ok).toBe(false);
    expect(parseSignatureHex('zz').ok).toBe(false);
    expect(parseSignatureHex('abc').ok).toBe(false);
  });

  const seq = (...ints: string[]) => {
    const body = Buffer.concat(
      ints.map((i) => Buffer.from(`02${(i.length / 2).toString(16).padStart(2, '0')}${i}`, 'hex')),
    );
    return Buffer.concat([Buffer.of(0x30, body.length), body]);
  };

  it('refuses zero, negative, non-minimal and out-of-range integers', () => {
    expect(derToP1363(seq('01', '01')).ok).toBe(true);
    expect(derToP1363(seq('00', '01')).ok).toBe(false);
    expect(derToP1363(seq('80', '01')).ok).toBe(false);
    expect(derToP1363(seq('0001', '01')).ok).toBe(false);
    expect(derToP1363(seq(`00${N}`, '01')).ok).toBe(false);
    expect(derToP1363(seq('01', '01', '01')).ok).toBe(false);
  });

  it('rawToDer (WebCrypto r||s to DER) round-trips, including values with the top bit set or leading zeros', () => {
    for (const raw of [
      Buffer.concat([Buffer.of(0x80), Buffer.alloc(31, 0x01), Buffer.alloc(32, 0x01)]),
      Buffer.concat([Buffer.alloc(31, 0), Buffer.of(5), Buffer.alloc(32, 0x7f)]),
    ]) {
      const back = derToP1363(Buffer.from(rawToDer(raw)));
      expect(back.ok && back.value.equals(raw)).toBe(true);
    }
  });
});

describe('sealed binding OTP', () => {
  const pepper = Buffer.from('p'.repeat(40));
  it('opens only under the same pepper and challenge id', () => {
    const sealed = sealOtp(pepper, 'challenge-1', '123456');
    expect(sealed).not.toContain('123456');
    expect(openOtp(pepper, 'challenge-1', sealed)).toBe('123456');
    expect(() => openOtp(pepper, 'challenge-2', sealed)).toThrow();
    expect(() => openOtp(Buffer.from('q'.repeat(40)), 'challenge-1', sealed)).toThrow();
  });
});
