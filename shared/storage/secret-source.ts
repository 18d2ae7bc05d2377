import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

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
    pending ??= new SecretsManagerClient({ region })
      .send(new GetSecretValueCommand({ SecretId: config.arn }))
      .then((result) => {
        if (!result.SecretString || result.SecretString.length < 32) {
          throw new Error(`The ${label} secret is missing or shorter than 32 characters`);
        }
        return result.SecretString;
      })
      .catch((error: unknown) => {
        pending = undefined;
        throw error;
      });
    return pending;
  };
}
