import { ArnFormat, CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { DEFAULT_SMS_COUNTRIES, ROUTE_TIMEOUT_SECONDS } from '../shared/config.ts';
import {
  authOf,
  handlerEntry,
  ROUTES,
  type RouteDefinition,
  readsSandbox,
  takesIdempotencyKey,
} from '../shared/routes.ts';
import { parseSmsCountries } from '../shared/sms/sms-countries.ts';
import { operatorAlarmTopic } from './alarm-topic.ts';
import {
  ApiAuth,
  type ApiAuthProps,
  OPERATOR_SCOPE,
  PARTNER_SCOPE,
  scopeOf,
  USER_SCOPE,
} from './api-auth.ts';
import { DataStore } from './data-store.ts';
import { KeyRotation } from './key-rotation.ts';
import { type AlarmThresholds, API_ACCESS_LOG_FORMAT, Observability } from './observability.ts';
import { bindReceiptKey } from './receipt-key.ts';
import { ServiceFunction } from './service-function.ts';
import { SmsGoLive, smsCountriesSetting } from './sms-go-live.ts';
import { WebhookEvents } from './webhook-events.ts';

export interface PhoneSecurityStackProps extends StackProps {
  /** Accept the sandbox number +15550101 with the fixed OTP 212212. Never in production. */
  sandbox?: boolean;
  /** Alphanumeric SMS sender id, where the destination country allows one. */
  smsSenderId?: string;
  /** Steady-state and burst request limits for the whole API (requests per second). */
  throttle?: { rateLimit: number; burstLimit: number };
  /** Where alarm notifications go besides the operator topic (an email subscription, confirmed by its owner). */
  alarmEmail?: string;
  /** Token issuer: a Cognito user pool made here (default), or an external issuer. */
  auth?: ApiAuthProps;
  /** `resourceOwner` in the end-user API's details (for example the Zitadel organisation id); default the person id. */
  resourceOwnerId?: string;
  /** SMS destination countries (ISO 3166 alpha-2), or 'all'; default DE, AT, FR, IT, ES (context smsCountries). */
  smsCountries?: ReadonlySet<string> | 'all';
  /** Set the account-wide SMS settings (default protect configuration, delivery-status logging); default true. */
  smsAccountSettings?: boolean;
  /**
   * The fraud guard's settings, as the variables the SMS-sending functions read (SMS_FRAUD_PROTECTION,
   * SMS_CLIENT_HOURLY_CAP, SMS_CLIENT_DAILY_CAP, SMS_CLIENT_CAPS, SMS_GLOBAL_HOURLY_CAP; docs/fraud-guard.md); unset
   * ones keep their defaults (context smsFraudProtection, smsClientHourlyCap, ...).
   */
  fraudGuard?: Record<string, string>;
  /** SMS budget per month in USD, for the spend alarm (context smsMonthlyBudgetUsd); default 1. */
  smsMonthlyBudgetUsd?: number;
  /** Alarm thresholds other than the defaults (context alarm.<name>). */
  alarmThresholds?: Partial<AlarmThresholds>;
  /**
   * Receipt keys that no longer sign but whose receipts must still verify (key ARNs, context
   * retiredReceiptKeyArns): the JWKS keeps publishing them (docs/operations.md, receipt key rotation).
   */
  retiredReceiptKeyArns?: readonly string[];
  /** The routes to deploy; only tests pass anything but the route table. */
  routes?: readonly RouteDefinition[];
}

/** Upper-camel-case construct id from a kebab-case operation name. */
const constructId = (operation: string) =>
  operation.replace(/(^|-)([a-z])/g, (_, __, letter: string) => letter.toUpperCase());

/**
 * The deployed service: the data store, one Lambda per route-table entry, and an HTTP API with one route each.
 * Each function gets only what its route-table entry names.
 */
export class PhoneSecurityStack extends Stack {
  readonly api: apigw.HttpApi;
  readonly data: DataStore;
  readonly auth: ApiAuth;
  readonly functions = new Map<string, ServiceFunction>();
  readonly alarmTopic: sns.Topic;
  readonly events: WebhookEvents;
  readonly observability: Observability;
  readonly smsGoLive: SmsGoLive;
  readonly keyRotation: KeyRotation;
  private readonly retiredReceiptKeys: kms.IKey[];

  constructor(scope: Construct, id: string, props: PhoneSecurityStackProps = {}) {
    super(scope, id, props);
    this.data = new DataStore(this, 'Data');
    // The pepper keeps its previous version (accepted for one OTP lifetime after a rotation); the webhook key keeps
    // every version, so secrets sealed under an old one still open until a delivery re-seals them.
    this.keyRotation = new KeyRotation(this, 'KeyRotation', {
      OtpPepper: { secret: this.data.pepper, keep: 2 },
      WebhookSecretKey: { secret: this.data.webhookKey, keep: 'all' },
    });

    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
    });
    this.api = new apigw.HttpApi(this, 'Api', {
      description: 'Phone security service: partner API and end-user API',
      createDefaultStage: false,
    });
    this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 100, burstLimit: 200 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: API_ACCESS_LOG_FORMAT,
      },
    });

    this.auth = new ApiAuth(this, 'Auth', props.auth);
    // One authorizer checks signature, issuer, audience and lifetime for every route; each route names its scope.
    const authorizer = new HttpJwtAuthorizer('JwtAuthorizer', this.auth.issuer, {
      jwtAudience: this.auth.audiences,
    });

    this.retiredReceiptKeys = (props.retiredReceiptKeyArns ?? []).map((arn, index) =>
      kms.Key.fromKeyArn(this, `RetiredReceiptKey${index}`, arn),
    );
    for (const route of props.routes ?? ROUTES) {
      const fn = this.addOperation(route, props);
      const kind = authOf(route);
      const deployed = this.api.addRoutes({
        path: route.path,
        methods: [apigw.HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${constructId(route.operation)}Integration`, fn),
        ...(kind === 'public'
          ? { authorizer: new apigw.HttpNoneAuthorizer() }
          : { authorizer, authorizationScopes: [scopeOf(kind)] }),
      });
      if (kind === 'public') {
        for (const httpRoute of deployed) {
          Validations.of(httpRoute).acknowledge({
            id: 'AwsSolutions-APIG4',
            reason:
              "The route table marks this route public (auth: 'public'): it serves only what anyone may read without " +
              'a token, such as the key set that verifies SCA receipts. Every other route has the JWT authorizer.',
          });
        }
      }
    }

    this.events = new WebhookEvents(this, 'Events', { data: this.data });

    // Every alarm notifies one operator topic; subscribe a pager or chat integration to it.
    this.alarmTopic = operatorAlarmTopic(this, 'OperatorAlarms', props.alarmEmail);
    const apiErrors = new cloudwatch.Alarm(this, 'ApiServerErrorsAlarm', {
      alarmDescription:
        'The API answered 5xx: an unexpected error or an unavailable dependency (see the function logs)',
      metric: this.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const alarm of [...this.events.alarms, apiErrors]) {
      alarm.addAlarmAction(new cloudwatchActions.SnsAction(this.alarmTopic));
    }

    const allFunctions = new Map<string, ServiceFunction>([
      ...this.functions,
      ['relay-outbox-events', this.events.relay],
      ['fan-out-webhook-events', this.events.fanOut],
      ['deliver-webhook', this.events.delivery],
      ...[...this.keyRotation.functions].map(([name, fn]): [string, ServiceFunction] => [
        `rotate-${name}`,
        fn,
      ]),
    ]);
    this.observability = new Observability(this, 'Observability', {
      api: this.api,
      accessLogs,
      functions: allFunctions,
      events: this.events,
      topic: this.alarmTopic,
      ...(props.smsMonthlyBudgetUsd !== undefined ? { smsMonthlyBudgetUsd: props.smsMonthlyBudgetUsd } : {}),
      ...(props.alarmThresholds ? { thresholds: props.alarmThresholds } : {}),
    });
    // SMS_COUNTRIES is set on the functions that send SMS (environmentOf); the account's protect configuration
    // allows the same countries.
    this.smsGoLive = new SmsGoLive(this, 'SmsGoLive', {
      countries: props.smsCountries ?? parseSmsCountries(DEFAULT_SMS_COUNTRIES),
      accountSettings: props.smsAccountSettings ?? true,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint });
    new CfnOutput(this, 'DashboardName', { value: this.observability.dashboard.dashboardName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn });
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName });
    // For `npm run rotate -- <arn>`.
    new CfnOutput(this, 'OtpPepperSecretArn', { value: this.data.pepper.secretArn });
    new CfnOutput(this, 'WebhookSecretKeyArn', { value: this.data.webhookKey.secretArn });
    new CfnOutput(this, 'ReceiptKeyArn', { value: this.data.receiptKey.keyArn });
    new CfnOutput(this, 'TokenIssuer', { value: this.auth.issuer });
    if (this.auth.partnerClient) {
      new CfnOutput(this, 'PartnerClientId', { value: this.auth.partnerClient.userPoolClientId });
      new CfnOutput(this, 'OperatorClientId', { value: this.auth.operatorClient!.userPoolClientId });
      new CfnOutput(this, 'UserPoolId', { value: this.auth.userPool!.userPoolId });
      new CfnOutput(this, 'TokenEndpoint', { value: this.auth.tokenEndpoint! });
    }
  }

  /**
   * The configuration a route's function reads, derived from its route-table entry (see the sections of
   * shared/config.ts): no function is given a setting it does not read, nor a placeholder for one. TABLE_NAME comes
   * with the table grant (DataStore.bindTable), METRICS_SERVICE from Observability.
   */
  private environmentOf(route: RouteDefinition, props: PhoneSecurityStackProps): Record<string, string> {
    const kind = authOf(route);
    return {
      // The pipeline of every route reads the auth section: it checks issuer, scope and subject again from the
      // authorizer's claims (defence in depth).
      AUTH_ISSUER: this.auth.issuer,
      AUTH_PARTNER_SCOPE: PARTNER_SCOPE,
      AUTH_USER_SCOPE: USER_SCOPE,
      AUTH_OPERATOR_SCOPE: OPERATOR_SCOPE,
      AUTH_USER_ID_CLAIM: this.auth.userIdClaim,
      ...(props.resourceOwnerId && kind === 'user' ? { RESOURCE_OWNER_ID: props.resourceOwnerId } : {}),
      ...(readsSandbox(route) ? { SANDBOX_ENABLED: props.sandbox ? 'true' : 'false' } : {}),
      ...(route.sendsSms
        ? {
            SMS_COUNTRIES: smsCountriesSetting(
              props.smsCountries ?? parseSmsCountries(DEFAULT_SMS_COUNTRIES),
            ),
            ...(props.smsSenderId ? { SMS_SENDER_ID: props.smsSenderId } : {}),
            ...props.fraudGuard,
          }
        : {}),
      ...(route.usesPepper ? { OTP_PEPPER_SECRET_ARN: this.data.pepper.secretArn } : {}),
      ...(route.usesWebhookKey ? { WEBHOOK_SECRET_KEY_ARN: this.data.webhookKey.secretArn } : {}),
      // Partner write routes claim their Idempotency-Key with a lease that must outlive the function's timeout.
      ...(takesIdempotencyKey(route) ? { FUNCTION_TIMEOUT_SECONDS: String(ROUTE_TIMEOUT_SECONDS) } : {}),
    };
  }

  private addOperation(route: RouteDefinition, props: PhoneSecurityStackProps): ServiceFunction {
    const fn = new ServiceFunction(this, constructId(route.operation), {
      entry: handlerEntry(route),
      description: `${route.method} ${route.path}: ${route.summary}`,
      timeout: Duration.seconds(ROUTE_TIMEOUT_SECONDS),
      environment: this.environmentOf(route, props),
    });
    this.data.bindTable(fn, route.table, route.indexes);
    if (route.usesPepper) this.data.pepper.grantRead(fn);
    if (route.usesWebhookKey) this.data.webhookKey.grantRead(fn);
    bindReceiptKey(fn, route, this.data.receiptKey, this.retiredReceiptKeys);
    if (route.sendsSms) {
      // Publishing to a phone number has no resource ARN; excluding every topic ARN limits the grant to SMS.
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['sns:Publish'],
          notResources: [
            this.formatArn({
              service: 'sns',
              region: '*',
              account: '*',
              resource: '*',
              arnFormat: ArnFormat.NO_RESOURCE_NAME,
            }),
          ],
        }),
      );
    }
    this.functions.set(route.operation, fn);
    return fn;
  }
}
