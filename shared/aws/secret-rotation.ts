import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { parseKeyring, rotateKeyring, serializeKeyring } from '../storage/keyring.ts';
import { KEY_ACTIVATION_DELAY_MS } from '../storage/secret-source.ts';

/** The rotation function's client (functions/rotate-secret.ts builds it at module scope). */
export const rotationClient = (region: string | undefined) => new SecretsManagerClient({ region });

/** The event Secrets Manager sends a rotation function, once per step. */
export interface RotationEvent {
  Step: 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';
  SecretId: string;
  ClientRequestToken: string;
}

export interface RotationOptions {
  /** How many key versions to keep: 2 for the OTP pepper (current and previous), Infinity for the webhook key. */
  keep: number;
  now?: () => Date;
  activationDelayMs?: number;
}

const isNotFound = (error: unknown) => (error as { name?: string }).name === 'ResourceNotFoundException';

/**
 * One step of a Secrets Manager rotation of a keyring secret (shared/storage/keyring.ts). The secret is only ours:
 * there is no database password to set, so setSecret does nothing.
 * - createSecret: AWSPENDING = AWSCURRENT's keyring plus a new random version that becomes current after
 *   `KEY_ACTIVATION_DELAY_MS` (idempotent: a retried step finds its pending version and stops).
 * - testSecret: the pending value parses as a keyring that still holds every version of the current one it keeps.
 * - finishSecret: AWSCURRENT moves to the new version (AWSPREVIOUS follows the old one).
 */
export async function rotationStep(
  client: SecretsManagerClient,
  event: RotationEvent,
  options: RotationOptions,
): Promise<void> {
  const { SecretId, ClientRequestToken: token } = event;
  const metadata = await client.send(new DescribeSecretCommand({ SecretId }));
  if (!metadata.RotationEnabled) throw new Error('rotation is not enabled for this secret');
  const stages = metadata.VersionIdsToStages?.[token];
  if (!stages) throw new Error('the rotation token is not a version of this secret');
  if (stages.includes('AWSCURRENT')) return; // already finished
  if (!stages.includes('AWSPENDING')) throw new Error('the rotation token is not the pending version');

  switch (event.Step) {
    case 'createSecret': {
      try {
        await client.send(
          new GetSecretValueCommand({ SecretId, VersionId: token, VersionStage: 'AWSPENDING' }),
        );
        return;
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      const current = await client.send(new GetSecretValueCommand({ SecretId, VersionStage: 'AWSCURRENT' }));
      const random = await client.send(
        new GetRandomPasswordCommand({ PasswordLength: 64, ExcludePunctuation: true }),
      );
      const next = rotateKeyring(parseKeyring(current.SecretString ?? '', 'rotated'), {
        value: random.RandomPassword ?? '',
        now: options.now?.() ?? new Date(),
        activationDelayMs: options.activationDelayMs ?? KEY_ACTIVATION_DELAY_MS,
        keep: options.keep,
      });
      await client.send(
        new PutSecretValueCommand({
          SecretId,
          ClientRequestToken: token,
          SecretString: serializeKeyring(next),
          VersionStages: ['AWSPENDING'],
        }),
      );
      return;
    }
    case 'setSecret':
      return;
    case 'testSecret': {
      const [pending, current] = await Promise.all([
        client.send(new GetSecretValueCommand({ SecretId, VersionId: token, VersionStage: 'AWSPENDING' })),
        client.send(new GetSecretValueCommand({ SecretId, VersionStage: 'AWSCURRENT' })),
      ]);
      const next = parseKeyring(pending.SecretString ?? '', 'pending');
      const before = parseKeyring(current.SecretString ?? '', 'current');
      const kept = before.keys.slice(-(Math.max(2, options.keep) - 1));
      for (const key of kept) {
        if (!next.keys.some((candidate) => candidate.id === key.id && candidate.value === key.value)) {
          throw new Error(`the pending keyring lost key version ${key.id}`);
        }
      }
      return;
    }
    case 'finishSecret': {
      const currentVersion = Object.entries(metadata.VersionIdsToStages ?? {}).find(([, labels]) =>
        labels.includes('AWSCURRENT'),
      )?.[0];
      await client.send(
        new UpdateSecretVersionStageCommand({
          SecretId,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: token,
          ...(currentVersion ? { RemoveFromVersionId: currentVersion } : {}),
        }),
      );
      return;
    }
  }
}

/**
 * Starts a rotation of each secret now, through its rotation schedule's function (what `npm run rotate` does). The
 * new key version becomes current `KEY_ACTIVATION_DELAY_MS` later; answers the pending version ids.
 */
export async function rotateNow(
  client: SecretsManagerClient,
  secretIds: readonly string[],
): Promise<string[]> {
  const versions: string[] = [];
  for (const SecretId of secretIds) {
    const result = await client.send(new RotateSecretCommand({ SecretId, RotateImmediately: true }));
    versions.push(result.VersionId ?? '');
  }
  return versions;
}
