/**
 * A rotatable secret's value: a list of key versions, each active from a point in time. The newest version whose
 * `activeFrom` has passed is the current one (new OTP hashes and new seals use it); older versions stay readable.
 *
 * Stored in Secrets Manager as JSON: `{"keys":[{"id":"1","value":"…","activeFrom":"2026-12-02T10:00:00.000Z"}]}`.
 * A plain string (the value CloudFormation generated before the first rotation) is one version with id `0`, active
 * since ever, so a deployed secret needs no migration.
 *
 * A rotation adds a version that becomes current only `activationDelayMs` later: by then every function instance has
 * re-read the secret (they do so at least every `SECRET_REFRESH_MS`), so no instance hashes or seals with a key that
 * another instance does not know yet.
 */
export interface KeyVersion {
  id: string;
  value: string;
  /** ISO time from which this version is current (unless a newer one is). */
  activeFrom: string;
}

export interface Keyring {
  keys: KeyVersion[];
}

/** Secrets are shorter than this are refused (the generated values are 64 characters). */
export const MIN_KEY_LENGTH = 32;

/** The legacy plain-string secret's version id. */
export const LEGACY_KEY_ID = '0';

export function parseKeyring(secret: string, label: string): Keyring {
  const trimmed = secret.trim();
  const ring: Keyring = trimmed.startsWith('{')
    ? (JSON.parse(trimmed) as Keyring)
    : { keys: [{ id: LEGACY_KEY_ID, value: secret, activeFrom: new Date(0).toISOString() }] };
  if (!Array.isArray(ring.keys) || ring.keys.length === 0)
    throw new Error(`The ${label} secret holds no key`);
  for (const key of ring.keys) {
    if (typeof key.id !== 'string' || !/^[0-9]+$/.test(key.id) || Number.isNaN(Date.parse(key.activeFrom))) {
      throw new Error(`The ${label} secret has a malformed key version`);
    }
    if (typeof key.value !== 'string' || key.value.length < MIN_KEY_LENGTH) {
      throw new Error(`The ${label} secret is missing or shorter than ${MIN_KEY_LENGTH} characters`);
    }
  }
  return { keys: [...ring.keys].sort((a, b) => Date.parse(a.activeFrom) - Date.parse(b.activeFrom)) };
}

/** The versions active at `now`, newest first: the current version, then the ones it replaced. */
export function activeKeys(ring: Keyring, now: Date): KeyVersion[] {
  const active = ring.keys.filter((key) => Date.parse(key.activeFrom) <= now.getTime()).reverse();
  // A ring whose only versions are still pending (clock skew) falls back to its oldest.
  return active.length > 0 ? active : [ring.keys[0]!];
}

export interface RotationOptions {
  /** The new version's value (random, from Secrets Manager's GetRandomPassword). */
  value: string;
  now: Date;
  /** How long after the rotation the new version becomes current. */
  activationDelayMs: number;
  /** How many versions to keep (the newest); `Infinity` keeps every version. */
  keep: number;
}

/**
 * The keyring after one rotation: a new version, active after the delay, older versions pruned to `keep` (but never the
 * current version, the one before it, or a pending one).
 */
export function rotateKeyring(ring: Keyring, options: RotationOptions): Keyring {
  if (options.value.length < MIN_KEY_LENGTH) throw new Error('The new key is too short');
  const nextId = String(Math.max(...ring.keys.map((key) => Number(key.id))) + 1);
  const added: KeyVersion = {
    id: nextId,
    value: options.value,
    activeFrom: new Date(options.now.getTime() + options.activationDelayMs).toISOString(),
  };
  const keys = [...ring.keys, added];
  if (!Number.isFinite(options.keep)) return { keys };
  // Never prune the version current now, the one it replaced (codes issued under it may still be answered), or any
  // newer one still pending: a second rotation before the first took effect must not drop the key in use.
  const current = activeKeys(ring, options.now)[0]!;
  const fromPrevious = keys.length - Math.max(0, keys.indexOf(current) - 1);
  return { keys: keys.slice(-Math.max(2, options.keep, fromPrevious)) };
}

export const serializeKeyring = (ring: Keyring) => JSON.stringify({ keys: ring.keys });

/**
 * A keyring read through `read` (a secret source, re-read on its own schedule), with each version's value turned into
 * the key it stands for by `derive`. Parsing and deriving happen again only when the secret's value changed.
 */
export function derivedKeyring<T>(
  read: () => Promise<string>,
  label: string,
  derive: (value: string) => T,
): () => Promise<{ ring: Keyring; keys: Map<string, T> }> {
  let parsed: { secret: string; ring: Keyring; keys: Map<string, T> } | undefined;
  return async () => {
    const secret = await read();
    if (parsed?.secret !== secret) {
      const ring = parseKeyring(secret, label);
      parsed = { secret, ring, keys: new Map(ring.keys.map((key) => [key.id, derive(key.value)])) };
    }
    return parsed;
  };
}
