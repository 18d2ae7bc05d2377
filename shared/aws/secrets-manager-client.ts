import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretReader } from '../storage/secret-source.ts';

/** The Secrets Manager client, loaded by `secretsManagerReader` (shared/aws/secrets-manager.ts) on the first read. */
export function secretValueReader(region: string): SecretReader {
  const client = new SecretsManagerClient({ region });
  return async (arn) => {
    const result = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    return result.SecretString ?? '';
  };
}
