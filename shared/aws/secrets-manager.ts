import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretReader } from '../storage/secret-source.ts';

/**
 * The Secrets Manager adapter. Only the handlers of functions granted a secret (the OTP pepper or the webhook key)
 * import it and compose with it; no other function bundles or initialises this client.
 */
export function secretsManagerReader(region: string): SecretReader {
  let client: SecretsManagerClient | undefined;
  return async (arn) => {
    client ??= new SecretsManagerClient({ region });
    const result = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    return result.SecretString ?? '';
  };
}
