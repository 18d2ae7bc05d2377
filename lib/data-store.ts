import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { TableAction, TableIndex } from '../shared/routes.ts';
import { TABLE } from '../shared/storage/table-definition.ts';
import { receiptKey } from './receipt-key.ts';

const READ_ACTIONS: ReadonlySet<TableAction> = new Set([
  'GetItem',
  'BatchGetItem',
  'Query',
  'ConditionCheckItem',
]);

/**
 * The stateful part: the table (TTL, point-in-time recovery, customer-managed KMS key, kept on stack deletion) and
 * the OTP pepper secret, and the key that signs SCA receipts. Functions come and go; this stays.
 */
export class DataStore extends Construct {
  readonly table: dynamodb.Table;
  readonly key: kms.Key;
  /** Encrypts the two secrets below. */
  readonly secretsKey: kms.Key;
  readonly pepper: secretsmanager.Secret;
  /** The key that seals webhook signing secrets in the table (read by the create and delivery functions only). */
  readonly webhookKey: secretsmanager.Secret;
  /** Signs SCA receipts (asymmetric, ECC_NIST_P256, SIGN_VERIFY); lib/receipt-key.ts grants it per route flag. */
  readonly receiptKey: kms.Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.key = new kms.Key(this, 'TableKey', {
      enableKeyRotation: true,
      description: 'Encrypts the phone security table',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TABLE.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      stream: dynamodb.StreamViewType[TABLE.streamView],
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: TABLE.gsi1.name,
      partitionKey: { name: TABLE.gsi1.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE.gsi1.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    // The secrets are encrypted under a customer-managed key of their own (not the table's: the table's readers
    // need not read secrets), so their use is in CloudTrail under a key policy of this stack.
    this.secretsKey = new kms.Key(this, 'SecretsKey', {
      enableKeyRotation: true,
      description: 'Encrypts the OTP pepper and the webhook sealing key',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.pepper = new secretsmanager.Secret(this, 'OtpPepper', {
      encryptionKey: this.secretsKey,
      description: 'Secret pepper for the HMAC of stored OTPs',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.webhookKey = new secretsmanager.Secret(this, 'WebhookSecretKey', {
      encryptionKey: this.secretsKey,
      description: 'Key material that seals webhook signing secrets stored in the table',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.receiptKey = receiptKey(this, 'ReceiptKey');
  }

  /**
   * Lets a function read one of the two secrets: its value, and the use of the secrets key for that only through
   * Secrets Manager (kms:ViaService). Both statements go on the function's role: `Secret.grantRead` would also add the
   * role to the key's policy, a reference from this stack to the function's nested stack, which already refers to
   * this one (a cycle). The key policy trusts the account's IAM policies, so the role's statements are enough.
   */
  grantSecretRead(fn: iam.IGrantable, secret: secretsmanager.Secret) {
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      resourceArns: [secret.secretArn],
    });
    fn.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [this.secretsKey.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` },
        },
      }),
    );
  }

  /**
   * Grants exactly the named actions on the table itself, `dynamodb:Query` on exactly the named indexes, and the
   * matching use of the table's key, and sets TABLE_NAME: one call, so the name and the permissions cannot drift
   * apart. (Table.grant would cover every index, `<table>/index/*`, for every action.)
   */
  bindTable(
    fn: iam.IGrantable & { addEnvironment(key: string, value: string): unknown },
    actions: readonly TableAction[],
    indexes: readonly TableIndex[] = [],
  ) {
    if (actions.length === 0 && indexes.length === 0) return;
    fn.addEnvironment('TABLE_NAME', this.table.tableName);
    if (actions.length > 0) {
      iam.Grant.addToPrincipal({
        grantee: fn,
        actions: actions.map((action) => `dynamodb:${action}`),
        resourceArns: [this.table.tableArn],
      });
    }
    if (indexes.length > 0) {
      iam.Grant.addToPrincipal({
        grantee: fn,
        actions: ['dynamodb:Query'],
        resourceArns: indexes.map((index) => `${this.table.tableArn}/index/${index}`),
      });
    }
    const readOnly = actions.every((action) => READ_ACTIONS.has(action));
    this.key.grant(
      fn,
      'kms:Decrypt',
      'kms:DescribeKey',
      ...(readOnly ? [] : ['kms:Encrypt', 'kms:GenerateDataKey']),
    );
  }
}
