import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * The binding OTP must be known again when the signature arrives (the device signs the OTP itself, so a hash of it is
 * not enough to verify, and a hash of six digits is reversed in a second). It is therefore stored sealed:
 * AES-256-GCM under a key derived from the OTP pepper, with the challenge id as associated data, so a leaked table
 * reveals no OTP and a sealed OTP cannot be moved to another challenge.
 */
const keyFor = (pepper: Buffer) =>
  Buffer.from(hkdfSync('sha256', pepper, Buffer.alloc(0), 'device-binding-otp-seal-v1', 32));

export function sealOtp(pepper: Buffer, challengeId: string, otp: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(pepper), iv);
  cipher.setAAD(Buffer.from(challengeId));
  const sealed = Buffer.concat([cipher.update(otp, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), sealed].map((part) => part.toString('base64url')).join('.');
}

export function openOtp(pepper: Buffer, challengeId: string, sealed: string): string {
  const [iv, tag, data] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
  const decipher = createDecipheriv('aes-256-gcm', keyFor(pepper), iv!);
  decipher.setAAD(Buffer.from(challengeId));
  decipher.setAuthTag(tag!);
  return Buffer.concat([decipher.update(data!), decipher.final()]).toString('utf8');
}

/** Opens a sealed OTP under the first of the accepted peppers that opens it (after a pepper rotation, the previous). */
export function openOtpWithAny(peppers: readonly Buffer[], challengeId: string, sealed: string): string {
  let failure: unknown = new Error('no pepper');
  for (const pepper of peppers) {
    try {
      return openOtp(pepper, challengeId, sealed);
    } catch (error) {
      failure = error;
    }
  }
  throw failure;
}
