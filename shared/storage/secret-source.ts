import { awsAdapters, missingAdapter } from '../aws/adapters.ts';

/** A secret given directly (local mode and tests) or held in Secrets Manager (deployed). */
export type SecretConfig = { kind: 'value'; value: string } | { kind: 'secret'; arn: string };

/**
 * Reads a secret at most once per Lambda instance, on first use, and keeps it in memory only; a failed read is
 * retried on the next use. Secrets shorter than 32 characters are refused.
 */
export function secretSource(config: SecretConfig, region: string, label: string): () => Promise<string> {
  if (config.kind === 'value') {
    const value = config.value;
    return async () => value;
  }
  let pending: Promise<string> | undefined;
  return () => {
    const readSecret = awsAdapters.readSecret;
    if (!readSecret)
      return Promise.reject(missingAdapter('Secrets Manager', '#shared/aws/secrets-manager.ts'));
    pending ??= readSecret(config.arn, region)
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
