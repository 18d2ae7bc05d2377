import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { handlerEntry, ROUTES, type RouteDefinition } from '../shared/routes.ts';
import { DataStore } from './data-store.ts';
import { ServiceFunction } from './service-function.ts';
import { WebhookEvents } from './webhook-events.ts';

export interface PhoneSecurityStackProps extends StackProps {
  /** Accept the sandbox number +15550101 with the fixed OTP 212212. Never in production. */
  sandbox?: boolean;
  /** Alphanumeric SMS sender id, where the destination country allows one. */
  smsSenderId?: string;
  /** Steady-state and burst request limits for the whole API (requests per second). */
  throttle?: { rateLimit: number; burstLimit: number };
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
  readonly functions = new Map<string, ServiceFunction>();
  readonly events: WebhookEvents;

  constructor(scope: Construct, id: string, props: PhoneSecurityStackProps = {}) {
    super(scope, id, props);
    this.data = new DataStore(this, 'Data');

    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
    });
    this.api = new apigw.HttpApi(this, 'Api', {
      description: 'Phone security service: partner API',
      createDefaultStage: false,
    });
    this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 100, burstLimit: 200 },
      accessLogSettings: { destination: new apigw.LogGroupLogDestination(accessLogs) },
    });

    for (const route of ROUTES) {
      const fn = this.addOperation(route, props);
      this.api.addRoutes({
        path: route.path,
        methods: [apigw.HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${constructId(route.operation)}Integration`, fn),
      });
    }

    this.events = new WebhookEvents(this, 'Events', { data: this.data });

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint });
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName });
  }

  private addOperation(route: RouteDefinition, props: PhoneSecurityStackProps): ServiceFunction {
    const fn = new ServiceFunction(this, constructId(route.operation), {
      entry: handlerEntry(route),
      description: `${route.method} ${route.path}: ${route.summary}`,
      timeout: Duration.seconds(10),
      environment: {
        SANDBOX_ENABLED: props.sandbox ? 'true' : 'false',
        ...(props.smsSenderId ? { SMS_SENDER_ID: props.smsSenderId } : {}),
      },
    });
    this.data.bindTable(fn, route.table);
    if (route.usesPepper) {
      fn.addEnvironment('OTP_PEPPER_SECRET_ARN', this.data.pepper.secretArn);
      this.data.pepper.grantRead(fn);
    } else {
      // Configuration requires a pepper source; functions that never touch OTPs get none they could read.
      fn.addEnvironment('OTP_PEPPER_SECRET_ARN', 'none');
    }
    if (route.usesWebhookKey) {
      fn.addEnvironment('WEBHOOK_SECRET_KEY_ARN', this.data.webhookKey.secretArn);
      this.data.webhookKey.grantRead(fn);
    }
    if (route.sendsSms) {
      // Publishing to a phone number has no resource ARN; excluding every topic ARN limits the grant to SMS.
      fn.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['sns:Publish'], notResources: ['arn:aws:sns:*:*:*'] }),
      );
    }
    this.functions.set(route.operation, fn);
    return fn;
  }
}
