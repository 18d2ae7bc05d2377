import { Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ServiceFunction } from './service-function.ts';

export interface RotatedSecret {
  secret: secretsmanager.Secret;
  /** How many key versions the keyring keeps: 2 (current and previous) or `all`. */
  keep: 2 | 'all';
}

/** How often each key rotates. */
export const ROTATION_INTERVAL = Duration.days(90);

/**
 * A Secrets Manager rotation schedule for each keyring secret (shared/storage/keyring.ts), each with its own rotation
 * function (functions/rotate-secret.ts). A function may read, write and re-label its one secret and ask Secrets
 * Manager for a random value, nothing else (the grants are RotationSchedule's). `aws secretsmanager rotate-secret
 * --secret-id <arn>` (or `npm run rotate -- <arn>`) rotates at once.
 */
export class KeyRotation extends Construct {
  /** The rotation function of each secret, by the name given. */
  readonly functions = new Map<string, ServiceFunction>();

  constructor(scope: Construct, id: string, secrets: Record<string, RotatedSecret>) {
    super(scope, id);
    for (const [name, { secret, keep }] of Object.entries(secrets)) {
      const fn = new ServiceFunction(this, `Rotate${name}`, {
        entry: 'functions/rotate-secret.ts',
        description: `Rotates the ${name} keyring secret (a new key version; old versions kept: ${keep})`,
        timeout: Duration.seconds(30),
        environment: { KEYRING_KEEP: String(keep) },
      });
      secret.addRotationSchedule('Rotation', {
        rotationLambda: fn,
        automaticallyAfter: ROTATION_INTERVAL,
        rotateImmediatelyOnUpdate: false,
      });
      // Only Secrets Manager acting for this account may invoke it (RotationSchedule's permission names no source).
      for (const permission of fn.node.findAll()) {
        if (permission instanceof lambda.CfnPermission) {
          permission.sourceAccount = Stack.of(this).account;
        }
      }
      this.functions.set(name, fn);
    }
  }
}
