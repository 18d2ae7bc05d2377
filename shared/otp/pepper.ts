import type { Config } from '../config.ts';
import { type SecretReader, secretSource } from '../storage/secret-source.ts';

export type PepperSource = () => Promise<Buffer>;

/** The OTP pepper: a plain value locally and in tests, a Secrets Manager secret when deployed. */
export function pepperSource(config: Config['pepper'], reader: SecretReader | undefined): PepperSource {
  const read = secretSource(config, reader, 'OTP pepper');
  let pepper: Buffer | undefined;
  return async () => {
    pepper ??= Buffer.from(await read(), 'utf8');
    return pepper;
  };
}
