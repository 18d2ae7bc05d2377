import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { calculateJwkThumbprint, compactVerify, createLocalJWKSet, decodeProtectedHeader } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { kmsReceiptSigner } from '../../shared/aws/kms.ts';
import { derToJose, KmsReceiptSigner, spkiToJwk } from '../../shared/aws/kms-receipt-signer.ts';
import { checkGrants, lambdaAdapters } from '../../shared/lambda-entry.ts';

const KEY_ID = 'arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const kms = mockClient(KMSClient);
afterEach(() => kms.reset());

/** A P-256 key pair standing in for the KMS key: the mock signs with it as KMS would (DER, SHA-256 over RAW). */
function kmsKey(keyId = KEY_ID) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  kms.on(GetPublicKeyCommand, { KeyId: keyId }).resolves({
    KeyId: keyId,
    KeySpec: 'ECC_NIST_P256',
    KeyUsage: 'SIGN_VERIFY',
    PublicKey: publicKey.export({ type: 'spki', format: 'der' }),
    SigningAlgorithms: ['ECDSA_SHA_256'],
  });
  return { privateKey, publicKey };
}

function signLikeKms(privateKey: KeyObject) {
  kms
    .on(SignCommand)
    .callsFake((input: { Message: Uint8Array; MessageType: string; SigningAlgorithm: string }) => {
      if (input.MessageType !== 'RAW' || input.SigningAlgorithm !== 'ECDSA_SHA_256')
        throw new Error('unexpected');
      return {
        KeyId: KEY_ID,
        Signature: sign('sha256', input.Message, privateKey),
        SigningAlgorithm: 'ECDSA_SHA_256',
      };
    });
}

const signer = (retired: string[] = []) =>
  new KmsReceiptSigner(new KMSClient({ region: 'eu-central-1' }), KEY_ID, retired);

/** The first byte of r and of s in a JOSE signature. */
const leadingBytes = (jws: string) => {
  const raw = Buffer.from(jws.split('.')[2]!, 'base64url');
  return [raw[0], raw[32]];
};

describe('KmsReceiptSigner', () => {
  it('answers a compact ES256 JWS that jose verifies against the published JWKS, kid = RFC 7638 thumbprint', async () => {
    const { privateKey, publicKey } = kmsKey();
    signLikeKms(privateKey);
    const receipts = signer();
    const claims = { sub: 'person-1', amount: 1250, currency: 'EUR', iat: 1_780_000_000 };
    const jws = await receipts.sign(claims);

    const keys = await receipts.publicKeys();
    expect(keys).toHaveLength(1);
    const expectedKid = await calculateJwkThumbprint(publicKey.export({ format: 'jwk' }) as never, 'sha256');
    expect(keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: expectedKid });
    expect(decodeProtectedHeader(jws)).toEqual({ alg: 'ES256', typ: 'JWT', kid: expectedKid });

    const verified = await compactVerify(jws, createLocalJWKSet({ keys }));
    expect(JSON.parse(new TextDecoder().decode(verified.payload))).toEqual(claims);

    const [call] = kms.commandCalls(SignCommand);
    const input = call!.args[0].input;
    expect(input).toMatchObject({ KeyId: KEY_ID, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' });
    expect(Buffer.from(input.Message!).toString('ascii')).toBe(jws.split('.').slice(0, 2).join('.'));
  });

  it('reads the public key once per container, however many receipts it signs', async () => {
    const { privateKey } = kmsKey();
    signLikeKms(privateKey);
    const receipts = signer();
    await Promise.all([receipts.sign({ n: 1 }), receipts.sign({ n: 2 }), receipts.publicKeys()]);
    await receipts.sign({ n: 3 });
    expect(kms.commandCalls(GetPublicKeyCommand)).toHaveLength(1);
    expect(kms.commandCalls(SignCommand)).toHaveLength(3);
  });

  it('tries GetPublicKey again after a failure instead of keeping the failure', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    kms
      .on(GetPublicKeyCommand)
      .rejectsOnce(new Error('throttled'))
      .resolves({
        KeySpec: 'ECC_NIST_P256',
        KeyUsage: 'SIGN_VERIFY',
        PublicKey: publicKey.export({ type: 'spki', format: 'der' }),
      });
    const receipts = signer();
    await expect(receipts.publicKeys()).rejects.toThrow('throttled');
    expect(await receipts.publicKeys()).toHaveLength(1);
  });

  it('publishes a retired key beside the signing key, and a receipt of either verifies', async () => {
    const retiredId = 'alias/receipts-previous';
    const old = kmsKey(retiredId);
    const current = kmsKey();
    const keys = await signer([retiredId]).publicKeys();
    expect(keys.map((key) => key.kid)).toEqual([
      spkiToJwk(current.publicKey.export({ type: 'spki', format: 'der' })).kid,
      spkiToJwk(old.publicKey.export({ type: 'spki', format: 'der' })).kid,
    ]);
    signLikeKms(old.privateKey);
    const byOld = await new KmsReceiptSigner(new KMSClient({ region: 'eu-central-1' }), retiredId).sign({
      a: 1,
    });
    await expect(compactVerify(byOld, createLocalJWKSet({ keys }))).resolves.toBeDefined();
  });

  it('refuses a key that is not ECC_NIST_P256 SIGN_VERIFY', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    kms.on(GetPublicKeyCommand).resolves({
      KeySpec: 'ECC_NIST_P384',
      KeyUsage: 'SIGN_VERIFY',
      PublicKey: publicKey.export({ type: 'spki', format: 'der' }),
    });
    await expect(signer().sign({})).rejects.toThrow(/not an ECC_NIST_P256 SIGN_VERIFY key/);
    expect(kms.commandCalls(SignCommand)).toHaveLength(0);
  });

  it('verifies signatures whose r or s has leading zero bytes or a high bit set (short and 33-byte DER integers)', async () => {
    const { privateKey } = kmsKey();
    signLikeKms(privateKey);
    const receipts = signer();
    const keys = createLocalJWKSet({ keys: await receipts.publicKeys() });
    const seen = { zeroR: false, zeroS: false, highR: false, highS: false };
    // About 1 signature in 256 has r (or s) below 2^248; half have the high bit set.
    for (let n = 0; n < 5000 && !Object.values(seen).every(Boolean); n++) {
      const jws = await receipts.sign({ n });
      const [r, s] = leadingBytes(jws);
      if (r === 0) seen.zeroR = true;
      if (s === 0) seen.zeroS = true;
      if (r! >= 0x80) seen.highR = true;
      if (s! >= 0x80) seen.highS = true;
      if (r === 0 || s === 0 || n < 20) await compactVerify(jws, keys);
    }
    expect(seen).toEqual({ zeroR: true, zeroS: true, highR: true, highS: true });
  });
});

describe('kmsReceiptSigner', () => {
  it('signs with RECEIPT_KEY_ID and publishes RECEIPT_RETIRED_KEY_IDS after it', async () => {
    const current = kmsKey();
    kmsKey('retired-1');
    signLikeKms(current.privateKey);
    const receipts = kmsReceiptSigner({
      AWS_REGION: 'eu-central-1',
      RECEIPT_ISSUER: 'phone-security:123456789012:eu-central-1:PhoneSecurity',
      RECEIPT_KEY_ID: KEY_ID,
      RECEIPT_RETIRED_KEY_IDS: ' retired-1 ,',
    });
    expect(await receipts.publicKeys()).toHaveLength(2);
    const receipt = await receipts.sign({ jti: 'x' });
    expect(JSON.parse(Buffer.from(receipt.split('.')[1]!, 'base64url').toString('utf8'))).toEqual({
      iss: 'phone-security:123456789012:eu-central-1:PhoneSecurity',
      jti: 'x',
    });
    expect(kms.commandCalls(GetPublicKeyCommand).map((call) => call.args[0].input.KeyId)).toEqual([
      KEY_ID,
      'retired-1',
    ]);
    expect(kms.commandCalls(SignCommand)[0]!.args[0].input.KeyId).toBe(KEY_ID);
  });

  it('is what a deployed function composes as its receipt signer, and only a route with a receipt flag may', async () => {
    const env = {
      AWS_REGION: 'eu-central-1',
      TABLE_NAME: 'table',
      RECEIPT_ISSUER: 'phone-security:local',
      RECEIPT_KEY_ID: KEY_ID,
    };
    kmsKey();
    const composed = lambdaAdapters(env, { receipts: kmsReceiptSigner }).receiptSigner;
    expect(await composed?.publicKeys()).toEqual([expect.objectContaining({ kty: 'EC', crv: 'P-256' })]);
    expect(lambdaAdapters(env, {}).receiptSigner).toBeUndefined();
    expect(() => checkGrants('get-mobile-number', { receipts: kmsReceiptSigner })).toThrow(
      /composed with \[receipts\] but granted \[\]/,
    );
  });

  it('fails at composition, naming the variables, when RECEIPT_KEY_ID or RECEIPT_ISSUER is missing', () => {
    expect(() => kmsReceiptSigner({ AWS_REGION: 'eu-central-1' })).toThrow(/RECEIPT_KEY_ID: is required/);
    expect(() => kmsReceiptSigner({ AWS_REGION: 'eu-central-1', RECEIPT_KEY_ID: KEY_ID })).toThrow(
      /RECEIPT_ISSUER: is required/,
    );
  });
});

describe('derToJose', () => {
  const int = (bytes: number[]) => [0x02, bytes.length, ...bytes];
  const seq = (...parts: number[][]) => {
    const body = parts.flat();
    return Uint8Array.from([0x30, body.length, ...body]);
  };
  const pad = (bytes: number[]) => [...new Array(32 - bytes.length).fill(0), ...bytes];

  it('strips the sign byte of a 33-byte integer and left-pads a short one', () => {
    const r = [0x00, 0xff, ...new Array(31).fill(0x11)];
    const s = [0x01, 0x02];
    const jose = derToJose(seq(int(r), int(s)));
    expect(Buffer.from(jose)).toEqual(Buffer.from([...r.slice(1), ...pad(s)]));
  });

  it('handles a one-byte integer and an integer of exactly 32 bytes', () => {
    const r = [0x05];
    const s = new Array(32).fill(0x7f);
    expect(Buffer.from(derToJose(seq(int(r), int(s))))).toEqual(Buffer.from([...pad(r), ...s]));
  });

  it('equals node:crypto IEEE P1363 output for the same signature', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    for (let n = 0; n < 50; n++) {
      const der = sign('sha256', Buffer.from(`m${n}`), { key: privateKey, dsaEncoding: 'der' });
      // ECDSA signs with a random k, so P1363 of the same signature comes from re-encoding, not re-signing.
      const p1363 = derToJose(der);
      expect(p1363).toHaveLength(64);
      const reencoded = seq(int(minimal([...p1363.subarray(0, 32)])), int(minimal([...p1363.subarray(32)])));
      expect(Buffer.from(reencoded)).toEqual(der);
    }
  });

  it('refuses malformed DER', () => {
    const ok = int([0x01]);
    expect(() => derToJose(Uint8Array.from([0x31, 6, ...ok, ...ok]))).toThrow(/SEQUENCE expected/);
    expect(() => derToJose(Uint8Array.from([0x30, 7, ...ok, ...ok]))).toThrow(/length does not match/);
    expect(() => derToJose(Uint8Array.from([0x30, 6, ...ok, 0x03, 1, 1]))).toThrow(/INTEGER expected/);
    expect(() => derToJose(seq(ok, ok, ok))).toThrow(/trailing bytes/);
    expect(() => derToJose(seq(int(new Array(33).fill(0x7f)), ok))).toThrow(/longer than 32 bytes/);
    expect(() => derToJose(Uint8Array.from([0x30, 4, 0x02, 5, 1, 1]))).toThrow(/truncated/);
  });
});

/** A big-endian unsigned value as a minimal DER INTEGER body. */
function minimal(bytes: number[]): number[] {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const value = bytes.slice(start);
  return value[0]! >= 0x80 ? [0x00, ...value] : value;
}
