import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Config } from '../config.ts';

export type PepperSource = () => Promise<Buffer>;

/**
 * The pepper comes from configuration: a plain value locally and in tests, a Secrets Manager secret when deployed.
 * The secret is read once per Lambda instance, on first use, and kept in memory only.
 */
export function pepperSource(config: Config['pepper'], region: string): PepperSource {
  if (config.kind === 'value') {
    const value = Buffer.from(config.value, 'utf8');
    return async () => value;
  }
  let pending: Promise<Buffer> | undefined;
  return () => {
    pending ??= new SecretsManagerClient({ region })
      .send(new GetSecretValueCommand({ SecretId: config.arn }))
      .then((result) => {
        if (!result.SecretString || result.SecretString.length < 32) {
          throw new Error('The OTP pepper secret is missing or shorter than 32 characters');
        }
        return Buffer.from(result.SecretString, 'utf8');
      })
      .catch((error: unknown) => {
        pending = undefined;
        throw error;
      });
    return pending;
  };
}
