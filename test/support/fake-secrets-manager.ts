import { randomBytes, randomUUID } from 'node:crypto';
import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { rotationStep } from '../../shared/aws/secret-rotation.ts';

const notFound = (message: string) =>
  Object.assign(new Error(message), { name: 'ResourceNotFoundException' });

/**
 * Secrets Manager's version model for one or more secrets (values, staging labels, a rotation's pending version),
 * behind aws-sdk-client-mock, so the real SDK client, the real read adapter and the real rotation function run
 * against it. Only the calls this project makes are answered.
 */
export class FakeSecretsManager {
  readonly mock = mockClient(SecretsManagerClient);
  readonly client = new SecretsManagerClient({ region: 'eu-central-1' });
  private readonly secrets = new Map<string, Map<string, { value?: string; stages: string[] }>>();

  constructor() {
    this.mock.on(DescribeSecretCommand).callsFake(({ SecretId }) => ({
      RotationEnabled: true,
      VersionIdsToStages: Object.fromEntries(
        [...this.versions(SecretId)].map(([id, v]) => [id, [...v.stages]]),
      ),
    }));
    this.mock.on(GetSecretValueCommand).callsFake(({ SecretId, VersionId, VersionStage }) => {
      const entry = [...this.versions(SecretId)].find(
        ([id, v]) => (!VersionId || id === VersionId) && v.stages.includes(VersionStage ?? 'AWSCURRENT'),
      );
      if (!entry || entry[1].value === undefined) throw notFound('no such version');
      return { ARN: SecretId, VersionId: entry[0], SecretString: entry[1].value };
    });
    this.mock.on(GetRandomPasswordCommand).callsFake(({ PasswordLength }) => ({
      RandomPassword: randomBytes(PasswordLength ?? 32)
        .toString('base64url')
        .replace(/[^A-Za-z0-9]/g, 'x')
        .slice(0, PasswordLength ?? 32),
    }));
    this.mock
      .on(PutSecretValueCommand)
      .callsFake(({ SecretId, ClientRequestToken, SecretString, VersionStages }) => {
        const versions = this.versions(SecretId);
        const version = versions.get(ClientRequestToken) ?? { stages: [] };
        versions.set(ClientRequestToken, { value: SecretString, stages: VersionStages ?? ['AWSCURRENT'] });
        return { VersionId: ClientRequestToken, VersionStages: version.stages };
      });
    this.mock
      .on(UpdateSecretVersionStageCommand)
      .callsFake(({ SecretId, VersionStage, MoveToVersionId, RemoveFromVersionId }) => {
        const versions = this.versions(SecretId);
        const from = versions.get(RemoveFromVersionId);
        if (VersionStage === 'AWSCURRENT' && from) {
          for (const v of versions.values()) v.stages = v.stages.filter((s) => s !== 'AWSPREVIOUS');
          from.stages = [...from.stages.filter((s) => s !== 'AWSCURRENT'), 'AWSPREVIOUS'];
        }
        const to = versions.get(MoveToVersionId)!;
        to.stages = [...to.stages.filter((s) => s !== 'AWSPENDING'), VersionStage];
        return {};
      });
  }

  /** A secret as CloudFormation creates it: one version, AWSCURRENT. */
  create(arn: string, value: string) {
    this.secrets.set(arn, new Map([[randomUUID(), { value, stages: ['AWSCURRENT'] }]]));
  }

  current(arn: string): string {
    return [...this.versions(arn).values()].find((v) => v.stages.includes('AWSCURRENT'))!.value!;
  }

  /** What `RotateSecret` does: a pending version, then the rotation function's four steps. */
  async rotate(arn: string, keep: number, now: () => Date) {
    const token = randomUUID();
    this.versions(arn).set(token, { stages: ['AWSPENDING'] });
    for (const Step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) {
      await rotationStep(this.client, { Step, SecretId: arn, ClientRequestToken: token }, { keep, now });
    }
  }

  restore() {
    this.mock.restore();
  }

  private versions(arn: string) {
    const versions = this.secrets.get(arn);
    if (!versions) throw notFound(`no secret ${arn}`);
    return versions;
  }
}
