import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'openssl-keys-'));
let count = 0;

/**
 * A P-256 key held by the `openssl` command-line tool: an implementation independent of the service's own code.
 * Keys come from `ecparam -genkey`, public points from `pkey -pubout`, signatures from `dgst -sha256 -sign`.
 */
export class OpensslKey {
  private constructor(readonly file: string) {}

  static generate(): OpensslKey {
    const file = join(dir, `key-${++count}.pem`);
    execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file]);
    return new OpensslKey(file);
  }

  /** Hex of the uncompressed point: the last 65 bytes of the DER SubjectPublicKeyInfo. */
  publicKeyHex(form: 'uncompressed' | 'compressed' = 'uncompressed'): string {
    const spki = execFileSync('openssl', [
      'pkey',
      '-in',
      this.file,
      '-pubout',
      '-outform',
      'DER',
      ...(form === 'compressed' ? ['-ec_conv_form', 'compressed'] : []),
    ]);
    return spki.subarray(spki.length - (form === 'compressed' ? 33 : 65)).toString('hex');
  }

  /** DER signature, hex, over SHA-256 of the message's bytes. */
  sign(message: string): string {
    return execFileSync('openssl', ['dgst', '-sha256', '-sign', this.file], {
      input: Buffer.from(message),
    }).toString('hex');
  }
}
