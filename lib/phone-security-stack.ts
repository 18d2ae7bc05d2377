import { Aspects, CfnOutput, type NestedStack, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { PasskeySettings } from '../shared/config.ts';
import { DEFAULT_SMS_COUNTRIES } from '../shared/config.ts';
import { ROUTES, type RouteDefinition } from '../shared/routes.ts';
import { parseSmsCountries } from '../shared/sms/sms-countries.ts';
import { operatorAlarmTopic } from './alarm-topic.ts';
import { ApiAuth, type ApiAuthProps } from './api-auth.ts';
import { API_CONCEPTS, type ApiConcept, conceptOf } from './api-concepts.ts';
import { ApiStack } from './api-stack.ts';
import { DataStore } from './data-store.ts';
import { EventsStack } from './events-stack.ts';
import { KeyRotation } from './key-rotation.ts';
import {
  ALARM_DEFAULTS,
  type AlarmThresholds,
  API_ACCESS_LOG_FORMAT,
  dashboardNameOf,
  type Observability,
  PhoneNumberLogProtection,
  watchFunction,
} from './observability.ts';
import { ObservabilityStack } from './observability-stack.ts';
import { receiptIssuerOf } from './receipt-key.ts';
import type { RouteWiring } from './route-operations.ts';
import type { ServiceFunction } from './service-function.ts';
import { SmsGoLive } from './sms-go-live.ts';
import type { WebhookEvents } from './webhook-events.ts';

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
  /** SMS budget per month in USD, for the spend alarm (context smsMonthlyBudgetUsd); default 1. */
  smsMonthlyBudgetUsd?: number;
  /**
   * The fraud guard's settings, as the variables the SMS-sending functions read (SMS_FRAUD_PROTECTION,
   * SMS_CLIENT_HOURLY_CAP, SMS_CLIENT_DAILY_CAP, SMS_CLIENT_CAPS, SMS_GLOBAL_HOURLY_CAP; docs/fraud-guard.md); unset
   * ones keep their defaults (context smsFraudProtection, smsClientHourlyCap, ...).
   */
  fraudGuard?: Record<string, string>;
  /** Alarm thresholds other than the defaults (context alarm.<name>). */
  alarmThresholds?: Partial<AlarmThresholds>;
  /**
   * Receipt keys that no longer sign but whose receipts must still verify (key ARNs, context
   * retiredReceiptKeyArns): the JWKS keeps publishing them (docs/operations.md, receipt key rotation).
   */
  retiredReceiptKeyArns?: readonly string[];
  /** The passkeys' relying party (shared/config.ts passkeySection); absent leaves passkeys off. */
  passkeys?: PasskeySettings;
  /** The routes to deploy; only tests pass anything but the route table. */
  routes?: readonly RouteDefinition[];
}

/** The top-level stack's nested stack of each API concept (lib/api-concepts.ts); webhooks go with the events. */
const API_STACK_IDS: Record<Exclude<ApiConcept, 'webhooks'>, string> = {
  numbers: 'NumbersApi',
  devices: 'DevicesApi',
  'change-requests': 'ChangeRequestsApi',
  payments: 'PaymentsApi',
  'end-user': 'EndUserApi',
  operator: 'OperatorApi',
};

/**
 * One stage of the service, deployed with one `cdk deploy`: a top-level stack and its nested stacks, each within
 * CloudFormation's per-stack limits (test/cdk/limits.test.ts).
 * - This stack holds what is stateful or shared by all: the table, the keys and secrets (with their rotation), the
 *   Cognito pool, the HTTP API with its stage and authorizer, the operator alarm topic and the account-wide SMS
 *   settings. Their logical ids are the ones they had before the split, so an existing stage keeps them.
 * - One nested stack per API concept (numbers, devices, change requests, payments, end-user, operator): the routes
 *   of that concept, each a function with only what its route-table entry names, its route and its alarms. A route
 *   added to the table lands in its concept's stack by its path.
 * - Events: the event path and the webhook routes. Observability: the dashboard and the stage-wide alarms.
 */
export class PhoneSecurityStack extends Stack {
  readonly api: apigw.HttpApi;
  readonly data: DataStore;
  readonly auth: ApiAuth;
  /** Every route's function, by operation name. */
  readonly functions = new Map<string, ServiceFunction>();
  readonly alarmTopic: sns.Topic;
  readonly events: WebhookEvents;
  readonly observability: Observability;
  readonly smsGoLive: SmsGoLive;
  readonly keyRotation: KeyRotation;
  /** The nested stacks, by construct id. */
  readonly nestedStacks = new Map<string, NestedStack>();

  constructor(scope: Construct, id: string, props: PhoneSecurityStackProps = {}) {
    super(scope, id, props);
    Aspects.of(this).add(new PhoneNumberLogProtection());
    const thresholds = { ...ALARM_DEFAULTS, ...props.alarmThresholds };
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
    // Every alarm notifies one operator topic; subscribe a pager or chat integration to it.
    this.alarmTopic = operatorAlarmTopic(this, 'OperatorAlarms', props.alarmEmail);
    const wiring: RouteWiring = {
      api: this.api,
      // One authorizer checks signature, issuer, audience and lifetime for every route; each route names its scope.
      // Bound to the API (in this stack) by the first route that uses it.
      authorizer: new HttpJwtAuthorizer('JwtAuthorizer', this.auth.issuer, {
        jwtAudience: this.auth.audiences,
      }),
      data: this.data,
      auth: this.auth,
      retiredReceiptKeys: (props.retiredReceiptKeyArns ?? []).map((arn, index) =>
        kms.Key.fromKeyArn(this, `RetiredReceiptKey${index}`, arn),
      ),
      receiptIssuer: receiptIssuerOf(this, Boolean(props.sandbox)),
      topic: this.alarmTopic,
      service: this.stackName,
      thresholds,
      ...(props.sandbox !== undefined ? { sandbox: props.sandbox } : {}),
      ...(props.smsSenderId ? { smsSenderId: props.smsSenderId } : {}),
      ...(props.smsCountries ? { smsCountries: props.smsCountries } : {}),
      fraudGuard: props.fraudGuard ?? {},
      ...(props.resourceOwnerId ? { resourceOwnerId: props.resourceOwnerId } : {}),
      ...(props.passkeys ? { passkeys: props.passkeys } : {}),
    };
    for (const [name, fn] of this.keyRotation.functions) watchFunction(this, `rotate-${name}`, fn, wiring);

    const byConcept = new Map<ApiConcept, RouteDefinition[]>(API_CONCEPTS.map((concept) => [concept, []]));
    for (const route of props.routes ?? ROUTES) byConcept.get(conceptOf(route))!.push(route);
    for (const [concept, stackId] of Object.entries(API_STACK_IDS) as [
      Exclude<ApiConcept, 'webhooks'>,
      string,
    ][]) {
      const routes = byConcept.get(concept)!;
      if (routes.length === 0) continue;
      const nested = new ApiStack(this, stackId, {
        routes,
        wiring,
        description: `${this.stackName}: the ${concept} routes of the API`,
      });
      this.addNested(stackId, nested, nested.functions);
    }
    const eventsStack = new EventsStack(this, 'Events', {
      routes: byConcept.get('webhooks')!,
      wiring,
      description: `${this.stackName}: events and webhooks`,
    });
    this.addNested('Events', eventsStack, eventsStack.functions);
    this.events = eventsStack.events;

    const observabilityStack = new ObservabilityStack(this, 'Observability', {
      api: this.api,
      accessLogs,
      events: this.events,
      topic: this.alarmTopic,
      service: this.stackName,
      thresholds,
      ...(props.smsMonthlyBudgetUsd !== undefined ? { smsMonthlyBudgetUsd: props.smsMonthlyBudgetUsd } : {}),
      description: `${this.stackName}: dashboard and stage-wide alarms`,
    });
    this.addNested('Observability', observabilityStack);
    this.observability = observabilityStack.observability;

    // SMS_COUNTRIES is set on the functions that send SMS (lib/route-operations.ts); the account's protect
    // configuration allows the same countries.
    this.smsGoLive = new SmsGoLive(this, 'SmsGoLive', {
      countries: props.smsCountries ?? parseSmsCountries(DEFAULT_SMS_COUNTRIES),
      accountSettings: props.smsAccountSettings ?? true,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint });
    new CfnOutput(this, 'DashboardName', { value: dashboardNameOf(this.stackName) });
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
    // What the recovery commands (npm run ops, docs/operations.md) need.
    const e = this.events;
    new CfnOutput(this, 'EventBusName', { value: e.bus.eventBusName });
    for (const [name, queue] of [
      ['FanOutQueueUrl', e.fanOutQueue],
      ['FanOutDeadLettersUrl', e.fanOutDeadLetters],
      ['DeliveryQueueUrl', e.deliveryQueue],
      ['DeliveryDeadLettersUrl', e.deliveryDeadLetters],
      ['RelayFailuresUrl', e.relayFailures],
    ] as const) {
      new CfnOutput(this, name, { value: queue.queueUrl });
    }
  }

  private addNested(id: string, nested: NestedStack, functions?: ReadonlyMap<string, ServiceFunction>) {
    this.nestedStacks.set(id, nested);
    for (const [operation, fn] of functions ?? []) this.functions.set(operation, fn);
  }
}
