import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { awsAdapters } from './adapters.ts';

let client: SecretsManagerClient | undefined;

/** Imported by the handlers of functions that read the OTP pepper or the webhook key from Secrets Manager. */
awsAdapters.readSecret = async (arn, region) => {
  client ??= new SecretsManagerClient({ region });
  const result = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  return result.SecretString ?? '';
};
