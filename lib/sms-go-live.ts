import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as smsvoice from 'aws-cdk-lib/aws-smsvoice';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { CALLING_CODES } from '../shared/sms/calling-codes.ts';

export interface SmsGoLiveProps {
  /** Destination countries (ISO 3166 alpha-2) SMS may go to, or every country. */
  countries: ReadonlySet<string> | 'all';
  /**
   * Set the account-level SMS settings: the default protect configuration and SNS's SMS attributes (delivery-status
   * logging, transactional type). They are one per account and region: deploy them from one stage only.
   */
  accountSettings: boolean;
}

/** Every country with an ISO 3166 alpha-2 code in the phone metadata (the protect configuration names each). */
export const SMS_COUNTRY_CODES: readonly string[] = [
  ...new Set(
    Object.values(CALLING_CODES)
      .flat()
      .map(([country]) => country),
  ),
]
  .filter((country) => /^[A-Z]{2}$/.test(country))
  .sort();

/** The SMS_COUNTRIES value of the functions that send SMS: the countries, sorted and comma-separated, or `*`. */
export const smsCountriesSetting = (countries: ReadonlySet<string> | 'all'): string =>
  countries === 'all' ? '*' : [...countries].sort().join(',');

/**
 * SMS go-live as code.
 * - The service refuses SMS to countries outside the allow-list (SMS_COUNTRIES on the functions that send SMS,
 *   checked before any SMS is charged or sent; the stack sets it from the same countries).
 * - The same list, in AWS: an End User Messaging SMS protect configuration that allows the listed countries and blocks
 *   every other one, made the account default (CloudFormation has no property for that: a custom resource calls
 *   SetAccountDefaultProtectConfiguration), so SNS's SMS obeys it whatever the service does.
 * - SMS delivery status: SNS logs each SMS's carrier outcome to CloudWatch Logs when its SMS attribute
 *   DeliveryStatusIAMRole names a role it may use. The log groups SNS writes to are made here, with a retention.
 * The spend limit is not set here: raising it above USD 1 needs a quota request (docs/operations.md).
 */
export class SmsGoLive extends Construct {
  readonly protectConfiguration: smsvoice.CfnProtectConfiguration | undefined;
  readonly deliveryStatusRole: iam.Role | undefined;

  constructor(scope: Construct, id: string, props: SmsGoLiveProps) {
    super(scope, id);
    const { countries } = props;
    if (!props.accountSettings) return;
    const stack = Stack.of(this);

    // The custom resources below share CDK's one provider function. It gets a role and a log group of its own, like
    // every function of the stack, instead of AWSLambdaBasicExecutionRole (which may write to every log group).
    const providerLogs = new logs.LogGroup(this, 'AccountSettingsProviderLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
    });
    const providerRole = new iam.Role(this, 'AccountSettingsProviderRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Execution role of the custom resources that set the account-level SMS settings',
    });
    providerLogs.grantWrite(providerRole);
    const provider = { role: providerRole, logGroup: providerLogs, installLatestAwsSdk: false };

    if (countries !== 'all') {
      this.protectConfiguration = new smsvoice.CfnProtectConfiguration(this, 'ProtectConfiguration', {
        countryRuleSet: {
          sms: SMS_COUNTRY_CODES.map((countryCode) => ({
            countryCode,
            protectStatus: countries.has(countryCode) ? 'ALLOW' : 'BLOCK',
          })),
        },
        deletionProtectionEnabled: false,
        tags: [{ key: 'Name', value: `${stack.stackName}-sms-countries` }],
      });
      const arn = this.protectConfiguration.attrArn;
      const call = (action: string, parameters?: Record<string, unknown>): cr.AwsSdkCall => ({
        service: 'PinpointSMSVoiceV2',
        action,
        ...(parameters ? { parameters } : {}),
        physicalResourceId: cr.PhysicalResourceId.of(`${stack.stackName}-default-protect-configuration`),
      });
      new cr.AwsCustomResource(this, 'AccountDefaultProtectConfiguration', {
        onCreate: call('setAccountDefaultProtectConfiguration', { ProtectConfigurationId: arn }),
        onUpdate: call('setAccountDefaultProtectConfiguration', { ProtectConfigurationId: arn }),
        onDelete: call('deleteAccountDefaultProtectConfiguration'),
        policy: cr.AwsCustomResourcePolicy.fromStatements([
          new iam.PolicyStatement({
            actions: [
              'sms-voice:SetAccountDefaultProtectConfiguration',
              'sms-voice:DeleteAccountDefaultProtectConfiguration',
            ],
            resources: [arn],
          }),
        ]),
        ...provider,
      });
    }

    // SNS writes delivery status to these groups (successes, and failures under /Failure).
    const base = `sns/${stack.region}/${stack.account}/DirectPublishToPhoneNumber`;
    const groups = [base, `${base}/Failure`].map(
      (logGroupName, index) =>
        new logs.LogGroup(this, index === 0 ? 'DeliveryStatusLogs' : 'DeliveryFailureLogs', {
          logGroupName,
          retention: logs.RetentionDays.THREE_MONTHS,
          removalPolicy: RemovalPolicy.RETAIN,
        }),
    );
    this.deliveryStatusRole = new iam.Role(this, 'DeliveryStatusRole', {
      assumedBy: new iam.ServicePrincipal('sns.amazonaws.com'),
      description: 'Lets SNS log the delivery status of SMS to CloudWatch Logs',
    });
    this.deliveryStatusRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: groups.map((group) => `${group.logGroupArn}`),
      }),
    );
    const attributes = {
      attributes: {
        DeliveryStatusIAMRole: this.deliveryStatusRole.roleArn,
        DeliveryStatusSuccessSamplingRate: '100',
        DefaultSMSType: 'Transactional',
      },
    };
    const setAttributes: cr.AwsSdkCall = {
      service: 'SNS',
      action: 'setSMSAttributes',
      parameters: attributes,
      physicalResourceId: cr.PhysicalResourceId.of(`${stack.stackName}-sms-attributes`),
    };
    const smsAttributes = new cr.AwsCustomResource(this, 'SmsAttributes', {
      onCreate: setAttributes,
      onUpdate: setAttributes,
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['sns:SetSMSAttributes'], resources: ['*'] }),
        new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [this.deliveryStatusRole.roleArn] }),
      ]),
      ...provider,
    });
    Validations.of(smsAttributes).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'sns:SetSMSAttributes sets account-wide SMS attributes and has no resource-level permissions (Resource must ' +
        'be *). test/cdk/deployable.test.ts checks that no other action is granted on *.',
    });
  }
}
