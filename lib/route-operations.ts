import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { PasskeySettings } from '../shared/config.ts';
import { DEFAULT_SMS_COUNTRIES, ROUTE_TIMEOUT_SECONDS } from '../shared/config.ts';
import {
  authOf,
  handlerEntry,
  type RouteDefinition,
  readsSandbox,
  takesIdempotencyKey,
} from '../shared/routes.ts';
import { parseSmsCountries } from '../shared/sms/sms-countries.ts';
import { type ApiAuth, OPERATOR_SCOPE, PARTNER_SCOPE, scopeOf, USER_SCOPE } from './api-auth.ts';
import type { DataStore } from './data-store.ts';
import { type AlarmThresholds, watchFunction } from './observability.ts';
import { bindReceiptKey } from './receipt-key.ts';
import { ServiceFunction } from './service-function.ts';
import { smsCountriesSetting } from './sms-go-live.ts';

/** What every route's function is wired to: made once in the stage's top-level stack, shared by its nested stacks. */
export interface RouteWiring {
  api: apigw.IHttpApi;
  /** The one JWT authorizer of the API; each route names its scope. */
  authorizer: apigw.IHttpRouteAuthorizer;
  data: DataStore;
  auth: ApiAuth;
  retiredReceiptKeys: readonly kms.IKey[];
  /** The receipts' `iss` (receiptIssuerOf the top-level stack), the same in every nested stack. */
  receiptIssuer: string;
  topic: sns.ITopic;
  /** The stage's (top-level stack's) name: the `Service` dimension of the business metrics. */
  service: string;
  thresholds: AlarmThresholds;
  sandbox?: boolean;
  smsSenderId?: string;
  smsCountries?: ReadonlySet<string> | 'all';
  /** The fraud guard's variables for the SMS-sending functions (context smsFraudProtection, ...). */
  fraudGuard: Readonly<Record<string, string>>;
  resourceOwnerId?: string;
  /** The passkeys' relying party; absent leaves passkeys off. */
  passkeys?: PasskeySettings;
}

/** Upper-camel-case construct id from a kebab-case operation name. */
export const constructId = (operation: string) =>
  operation.replace(/(^|-)([a-z])/g, (_, __, letter: string) => letter.toUpperCase());

/**
 * The configuration a route's function reads, derived from its route-table entry (see the sections of
 * shared/config.ts): no function is given a setting it does not read, nor a placeholder for one. TABLE_NAME comes
 * with the table grant (DataStore.bindTable), RECEIPT_KEY_ID with the key grant (bindReceiptKey), METRICS_SERVICE
 * with the alarms (watchFunction).
 */
function environmentOf(route: RouteDefinition, wiring: RouteWiring): Record<string, string> {
  const kind = authOf(route);
  return {
    // The pipeline of every route reads the auth section: it checks issuer, scope and subject again from the
    // authorizer's claims (defence in depth).
    AUTH_ISSUER: wiring.auth.issuer,
    AUTH_PARTNER_SCOPE: PARTNER_SCOPE,
    AUTH_USER_SCOPE: USER_SCOPE,
    AUTH_OPERATOR_SCOPE: OPERATOR_SCOPE,
    AUTH_USER_ID_CLAIM: wiring.auth.userIdClaim,
    ...(wiring.resourceOwnerId && kind === 'user' ? { RESOURCE_OWNER_ID: wiring.resourceOwnerId } : {}),
    ...(readsSandbox(route) ? { SANDBOX_ENABLED: wiring.sandbox ? 'true' : 'false' } : {}),
    ...(route.sendsSms
      ? {
          SMS_COUNTRIES: smsCountriesSetting(wiring.smsCountries ?? parseSmsCountries(DEFAULT_SMS_COUNTRIES)),
          ...(wiring.smsSenderId ? { SMS_SENDER_ID: wiring.smsSenderId } : {}),
          ...wiring.fraudGuard,
        }
      : {}),
    ...(route.usesPepper ? { OTP_PEPPER_SECRET_ARN: wiring.data.pepper.secretArn } : {}),
    ...(route.usesWebhookKey ? { WEBHOOK_SECRET_KEY_ARN: wiring.data.webhookKey.secretArn } : {}),
    ...(route.usesPasskeys && wiring.passkeys
      ? {
          WEBAUTHN_RP_ID: wiring.passkeys.rpId,
          WEBAUTHN_RP_NAME: wiring.passkeys.rpName,
          WEBAUTHN_ORIGINS: wiring.passkeys.origins.join(','),
        }
      : {}),
    // Partner write routes claim their Idempotency-Key with a lease that must outlive the function's timeout.
    ...(takesIdempotencyKey(route) ? { FUNCTION_TIMEOUT_SECONDS: String(ROUTE_TIMEOUT_SECONDS) } : {}),
  };
}

/**
 * One route in `scope`: its function with exactly the grants its route-table entry names, its HTTP API route and
 * integration (on the stage's one API), and its error and throttle alarms.
 */
export function addRouteOperation(
  scope: Construct,
  route: RouteDefinition,
  wiring: RouteWiring,
): ServiceFunction {
  const id = constructId(route.operation);
  const fn = new ServiceFunction(scope, id, {
    entry: handlerEntry(route),
    description: `${route.method} ${route.path}: ${route.summary}`,
    timeout: Duration.seconds(ROUTE_TIMEOUT_SECONDS),
    environment: environmentOf(route, wiring),
  });
  wiring.data.bindTable(fn, route.table, route.indexes);
  if (route.usesPepper) wiring.data.grantSecretRead(fn, wiring.data.pepper);
  if (route.usesWebhookKey) wiring.data.grantSecretRead(fn, wiring.data.webhookKey);
  bindReceiptKey(fn, route, wiring.data.receiptKey, wiring.retiredReceiptKeys, wiring.receiptIssuer);
  if (route.sendsSms) {
    // Publishing to a phone number has no resource ARN; excluding every topic ARN limits the grant to SMS.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['sns:Publish'],
        notResources: [
          Stack.of(scope).formatArn({
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

  const kind = authOf(route);
  const httpRoute = new apigw.HttpRoute(scope, `${id}Route`, {
    httpApi: wiring.api,
    routeKey: apigw.HttpRouteKey.with(route.path, apigw.HttpMethod[route.method]),
    integration: new HttpLambdaIntegration(`${id}Integration`, fn),
    ...(kind === 'public'
      ? { authorizer: new apigw.HttpNoneAuthorizer() }
      : { authorizer: wiring.authorizer, authorizationScopes: [scopeOf(kind)] }),
  });
  if (kind === 'public') {
    Validations.of(httpRoute).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        "The route table marks this route public (auth: 'public'): it serves only what anyone may read without " +
        'a token, such as the key set that verifies SCA receipts. Every other route has the JWT authorizer.',
    });
  }
  watchFunction(scope, route.operation, fn, wiring);
  return fn;
}
