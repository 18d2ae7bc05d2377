/** A secret given directly (local mode and tests) or held in Secrets Manager (deployed). */
export type SecretConfig = { kind: 'value'; value: string } | { kind: 'secret'; arn: string };

/** Reads a secret's value by ARN (the Secrets Manager adapter, `shared/aws/secrets-manager.ts`). */
export type SecretReader = (arn: string) => Promise<string>;

/**
 * Reads a secret at most once per Lambda instance, on first use, and keeps it in memory only; a failed read is
 * retried on the next use. Secrets shorter than 32 characters are refused. A secret held in Secrets Manager needs
 * the reader, which only functions granted the secret are composed with.
 */
export function secretSource(
  config: SecretConfig | undefined,
  reader: SecretReader | undefined,
  label: string,
): () => Promise<string> {
  if (!config) return () => Promise.reject(new Error(`no ${label} is configured for this function`));
  if (config.kind === 'value') {
    const value = config.value;
    return async () => value;
  }
  if (!reader)
    return () => Promise.reject(new Error(`this function is not composed with a reader for the ${label}`));
  let pending: Promise<string> | undefined;
  return () => {
    pending ??= reader(config.arn)
      .then((secret) => {
        if (secret.length < 32) {
          throw new Error(`The ${label} secret is missing or shorter than 32 characters`);
        }
        return secret;
      })
      .catch((error: unknown) => {
        pending = undefined;
        throw error;
      });
    return pending;
  };
}
