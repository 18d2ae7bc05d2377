import type { SecretReader } from '../storage/secret-source.ts';
import { onFirstUse } from './on-first-use.ts';

/**
 * The Secrets Manager adapter. Only the handlers of functions granted a secret (the OTP pepper or the webhook key)
 * import it and compose with it; the client is loaded and made on the first secret read, not during init.
 */
export function secretsManagerReader(region: string): SecretReader {
  const reader = onFirstUse(async () =>
    (await import('./secrets-manager-client.ts')).secretValueReader(region),
  );
  return async (arn) => (await reader())(arn);
}
