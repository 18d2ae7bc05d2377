import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { WebhookConfig } from '../config.ts';
import { activeKeys, derivedKeyring, LEGACY_KEY_ID } from '../storage/keyring.ts';
import { type SecretReader, type SecretSourceOptions, secretSource } from '../storage/secret-source.ts';
import type { SecretSeals } from './ports.ts';

/** The sealing keys: the current version (new seals) and every version still in the keyring (opening). */
export interface SealingKeys {
  current: { id: string; key: Buffer };
  byId(id: string): Buffer | undefined;
}

export type KeySource = () => Promise<SealingKeys>;

const derive = (material: string) =>
  Buffer.from(
    hkdfSync('sha256', Buffer.from(material, 'utf8'), Buffer.alloc(0), 'webhook-secret-box-v1', 32),
  );

/**
 * The keys that seal webhook secrets: from configuration locally, from a Secrets Manager secret when deployed (re-read
 * every few minutes, kept in memory only). The secret is a keyring (shared/storage/keyring.ts): a rotation adds a
 * version and keeps the old ones, so secrets sealed before it still open. Each version is stretched through HKDF to an
 * AES-256 key.
 */
export function webhookKeySource(
  config: WebhookConfig['secretKey'],
  reader: SecretReader | undefined,
  options: SecretSourceOptions = {},
): KeySource {
  const keyring = derivedKeyring(
    secretSource(config, reader, 'webhook secret key', options),
    'webhook key',
    derive,
  );
  const now = options.now ?? Date.now;
  return async () => {
    const { ring, keys } = await keyring();
    const current = activeKeys(ring, new Date(now()))[0]!;
    return { current: { id: current.id, key: keys.get(current.id)! }, byId: (id) => keys.get(id) };
  };
}

/**
 * Seals a subscriber's signing secret with AES-256-GCM. The subscription id is bound in as additional data, so a
 * sealed secret copied onto another subscription does not open. Format: `v2.<key version>.<iv>.<ciphertext>.<tag>`
 * (base64url); `v1.<iv>.<ciphertext>.<tag>`, written before keys had versions, is sealed under version `0`.
 */
export class SecretBox implements SecretSeals {
  constructor(private readonly keys: KeySource) {}

  async seal(plaintext: string, context: string): Promise<string> {
    const { current } = await this.keys();
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', current.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      'v2',
      current.id,
      ...[iv, sealed, cipher.getAuthTag()].map((part) => part.toString('base64url')),
    ].join('.');
  }

  async open(sealed: string, context: string): Promise<string> {
    const { keyId, iv, data, tag } = parseSealed(sealed);
    const key = (await this.keys()).byId(keyId);
    if (!key) throw new Error(`the webhook key version ${keyId} is no longer in the keyring`);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  }

  /** Whether a sealed secret was sealed under an older key version than the current one (then re-seal it). */
  async isStale(sealed: string): Promise<boolean> {
    return parseSealed(sealed).keyId !== (await this.keys()).current.id;
  }
}

function parseSealed(sealed: string) {
  const parts = sealed.split('.');
  const [keyId, iv, data, tag] =
    parts[0] === 'v2' && parts.length === 5
      ? parts.slice(1)
      : parts[0] === 'v1' && parts.length === 4
        ? [LEGACY_KEY_ID, ...parts.slice(1)]
        : [];
  if (!keyId || !iv || !data || !tag) throw new Error('unknown sealed secret format');
  return { keyId, iv, data, tag };
}
