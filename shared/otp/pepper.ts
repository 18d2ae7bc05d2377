import type { Config } from '../config.ts';
import { activeKeys, derivedKeyring } from '../storage/keyring.ts';
import { type SecretReader, type SecretSourceOptions, secretSource } from '../storage/secret-source.ts';

/**
 * The current OTP pepper (for hashing new OTPs and sealing binding OTPs), and the peppers a check accepts: the current
 * one and, for one OTP lifetime after a rotation, the one it replaced, so an OTP issued just before a rotation still
 * confirms after it.
 */
export interface PepperSource {
  (): Promise<Buffer>;
  accepted?: () => Promise<Buffer[]>;
}

/** The peppers an OTP check tries, current first (a source without rotation has only its one pepper). */
export const acceptedPeppers = async (source: PepperSource): Promise<Buffer[]> =>
  source.accepted ? source.accepted() : [await source()];

export interface PepperOptions extends SecretSourceOptions {
  /** The OTP lifetime: how long the previous pepper stays accepted after the current one took over. */
  otpTtlSeconds?: number;
}

/**
 * The OTP pepper: a plain value locally and in tests, a Secrets Manager secret when deployed, re-read every few minutes
 * (`SECRET_REFRESH_MS`). The secret is a keyring (shared/storage/keyring.ts); a plain string is its first version.
 */
export function pepperSource(
  config: Config['pepper'],
  reader: SecretReader | undefined,
  options: PepperOptions = {},
): PepperSource {
  const keyring = derivedKeyring(secretSource(config, reader, 'OTP pepper', options), 'OTP pepper', (value) =>
    Buffer.from(value, 'utf8'),
  );
  const now = options.now ?? Date.now;
  const graceMs = (options.otpTtlSeconds ?? 300) * 1000;
  /** The active versions, current first, with their peppers. */
  const keys = async () => {
    const { ring, keys: peppers } = await keyring();
    return activeKeys(ring, new Date(now())).map((key) => ({
      activeFrom: Date.parse(key.activeFrom),
      pepper: peppers.get(key.id)!,
    }));
  };
  const source: PepperSource = async () => (await keys())[0]!.pepper;
  source.accepted = async () => {
    const [current, previous] = await keys();
    const withinGrace = previous && now() < current!.activeFrom + graceMs;
    return withinGrace ? [current!.pepper, previous.pepper] : [current!.pepper];
  };
  return source;
}
