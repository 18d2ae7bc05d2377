/** A secret given directly (local mode and tests) or held in Secrets Manager (deployed). */
export type SecretConfig = { kind: 'value'; value: string } | { kind: 'secret'; arn: string };

/** Reads a secret's value by ARN (the Secrets Manager adapter, `shared/aws/secrets-manager.ts`). */
export type SecretReader = (arn: string) => Promise<string>;

/**
 * How long a function instance uses a secret it read before reading it again. A rotated key becomes current only
 * after a longer delay (`KEY_ACTIVATION_DELAY_MS`), so every instance knows a key before any instance uses it.
 */
export const SECRET_REFRESH_MS = 5 * 60_000;
/** How long after a rotation the new key version becomes current: two refresh periods. */
export const KEY_ACTIVATION_DELAY_MS = 2 * SECRET_REFRESH_MS;

export interface SecretSourceOptions {
  refreshMs?: number;
  /** Milliseconds since the epoch; tests pass their own clock. */
  now?: () => number;
}

/**
 * Reads a secret on first use and again once `refreshMs` has passed since the last read, keeping it in memory only.
 * A failed first read is retried on the next use; a failed re-read keeps the value read before (a rotated key is not
 * used before every instance could have read it) and is retried on the next use. Secrets shorter than 32 characters
 * are refused. A secret held in Secrets Manager needs the reader, which only functions granted the secret are
 * composed with.
 */
export function secretSource(
  config: SecretConfig | undefined,
  reader: SecretReader | undefined,
  label: string,
  options: SecretSourceOptions = {},
): () => Promise<string> {
  if (!config) return () => Promise.reject(new Error(`no ${label} is configured for this function`));
  if (config.kind === 'value') {
    const value = config.value;
    return async () => value;
  }
  if (!reader)
    return () => Promise.reject(new Error(`this function is not composed with a reader for the ${label}`));
  const refreshMs = options.refreshMs ?? SECRET_REFRESH_MS;
  const now = options.now ?? Date.now;
  let last: { value: string; readAt: number } | undefined;
  let pending: Promise<string> | undefined;
  const read = () =>
    reader(config.arn).then((secret) => {
      if (secret.length < 32) throw new Error(`The ${label} secret is missing or shorter than 32 characters`);
      last = { value: secret, readAt: now() };
      return secret;
    });
  return () => {
    if (last && now() - last.readAt < refreshMs) return Promise.resolve(last.value);
    pending ??= read()
      .catch((error: unknown) => {
        if (last) return last.value;
        throw error;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}
