import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { WebhookConfig } from '../config.ts';
import { type SecretReader, secretSource } from '../storage/secret-source.ts';

export type KeySource = () => Promise<Buffer>;

const derive = (material: string) =>
  Buffer.from(
    hkdfSync('sha256', Buffer.from(material, 'utf8'), Buffer.alloc(0), 'webhook-secret-box-v1', 32),
  );

/**
 * The key that seals webhook secrets: from configuration locally, from a Secrets Manager secret when deployed (read
 * once per instance, kept in memory only). Either way it is stretched through HKDF to an AES-256 key.
 */
export function webhookKeySource(
  config: WebhookConfig['secretKey'],
  reader: SecretReader | undefined,
): KeySource {
  const read = secretSource(config, reader, 'webhook secret key');
  let key: Buffer | undefined;
  return async () => {
    key ??= derive(await read());
    return key;
  };
}

/**
 * Seals a subscriber's signing secret with AES-256-GCM. The subscription id is bound in as additional data, so a
 * sealed secret copied onto another subscription does not open. Format: `v1.<iv>.<ciphertext>.<tag>` (base64url).
 */
export class SecretBox {
  constructor(private readonly key: KeySource) {}

  async seal(plaintext: string, context: string): Promise<string> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', await this.key(), iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv, sealed, cipher.getAuthTag()]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  async open(sealed: string, context: string): Promise<string> {
    const [version, iv, data, tag] = sealed.split('.');
    if (version !== 'v1' || !iv || !data || !tag) throw new Error('unknown sealed secret format');
    const decipher = createDecipheriv('aes-256-gcm', await this.key(), Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  }
}
