import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { ServiceFunction } from '../../lib/service-function.ts';

/**
 * The real-account test's webhook receiver: a Lambda function URL (public, as a subscriber's endpoint is) that stores
 * what it receives in a table of its own. Deployed and destroyed with the sandbox stage by `npm run test:aws`.
 */
export class WebhookReceiverStack extends Stack {
  readonly url: lambda.FunctionUrl;
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);
    this.table = new dynamodb.Table(this, 'Deliveries', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'ttl',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const receiver = new ServiceFunction(this, 'Receiver', {
      entry: 'test/aws/receiver-handler.ts',
      description: 'Real-account test: stores webhook deliveries',
      environment: { RECEIVER_TABLE: this.table.tableName },
    });
    this.table.grant(receiver, 'dynamodb:PutItem');
    this.url = receiver.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
    new CfnOutput(this, 'ReceiverUrl', { value: this.url.url });
    new CfnOutput(this, 'ReceiverTable', { value: this.table.tableName });
  }
}
