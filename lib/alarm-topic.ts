import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';

/**
 * The operator topic every alarm notifies, under its own KMS key. CloudWatch cannot publish to a topic under the
 * AWS-managed SNS key, and a topic with a custom policy has no default policy: both the key policy and the topic
 * policy admit `cloudwatch.amazonaws.com`, and only on behalf of alarms of this account and region
 * (`aws:SourceAccount`, `aws:SourceArn`), so no other account's alarms can use this topic (confused deputy).
 * Made in the given scope as `<id>` and `<id>Key`, the ids the stack has always used, so that the topic and its
 * subscriptions are not replaced.
 */
export function operatorAlarmTopic(scope: Construct, id: string, email?: string): sns.Topic {
  const stack = Stack.of(scope);
  const fromOwnAlarms = {
    StringEquals: { 'aws:SourceAccount': stack.account },
    ArnLike: {
      'aws:SourceArn': stack.formatArn({
        service: 'cloudwatch',
        resource: 'alarm',
        resourceName: '*',
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    },
  };
  const cloudwatch = new iam.ServicePrincipal('cloudwatch.amazonaws.com');

  const key = new kms.Key(scope, `${id}Key`, {
    enableKeyRotation: true,
    description: 'Encrypts the operator alarm topic',
  });
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatchAlarmsOfThisAccount',
      principals: [cloudwatch],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      // In a key policy, "*" is the key itself.
      resources: ['*'],
      conditions: fromOwnAlarms,
    }),
  );
  const topic = new sns.Topic(scope, id, {
    displayName: 'Phone security service alarms',
    enforceSSL: true,
    masterKey: key,
  });
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatchAlarmsOfThisAccount',
      principals: [cloudwatch],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: fromOwnAlarms,
    }),
  );
  if (email) topic.addSubscription(new subscriptions.EmailSubscription(email));
  return topic;
}
