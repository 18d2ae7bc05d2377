import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

/** Trust an issuer the operator already runs (Zitadel, Entra ID, an existing Cognito pool) instead of creating one. */
export interface ExternalIssuer {
  /** The `iss` of its access tokens; API Gateway reads `<issuer>/.well-known/openid-configuration`. */
  issuer: string;
  /** Accepted `aud` (or, without `aud`, `client_id`) values. */
  audiences: string[];
}

export interface ApiAuthProps {
  external?: ExternalIssuer;
  /**
   * Built-in pool only: the hosted-domain prefix serving `/oauth2/token`. Must be unique in the region across all
   * accounts; default `<stack name in kebab case>-<account>` (see `defaultDomainPrefix`).
   */
  domainPrefix?: string;
  /** Built-in pool only: app client ids of the operator's end-user apps, accepted on the end-user API. */
  userAudiences?: string[];
  /** The claim of a user token holding the person id (Cognito: `username`, with users named by person id). */
  userIdClaim?: string;
}

export const RESOURCE_SERVER = 'phone-security';

/**
 * The default Cognito hosted-domain prefix: the stack name in kebab case and the account id, so two stages in one
 * account (`PhoneSecurity`, `PhoneSecurityTest`) get `phone-security-<account>` and `phone-security-test-<account>`.
 * Cognito allows lower-case letters, digits and hyphens, at most 63 characters, and refuses prefixes containing
 * `aws`, `amazon` or `cognito`; the stack-name part is cut to fit and such words are dropped.
 */
export function defaultDomainPrefix(stackName: string, account: string): string {
  const words = stackName
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word && !/aws|amazon|cognito/.test(word));
  // The account is 12 digits (or, for an environment-agnostic stack, a token resolved at deploy time).
  const name = words
    .join('-')
    .slice(0, 63 - 13)
    .replace(/-+$/, '');
  return `${name || 'phone-security'}-${account}`;
}
export const PARTNER_SCOPE = `${RESOURCE_SERVER}/partner`;
export const USER_SCOPE = `${RESOURCE_SERVER}/user`;
export const OPERATOR_SCOPE = `${RESOURCE_SERVER}/operator`;

/** The scope a route's kind of caller must carry. */
export const scopeOf = (kind: 'partner' | 'user' | 'operator') =>
  kind === 'user' ? USER_SCOPE : kind === 'operator' ? OPERATOR_SCOPE : PARTNER_SCOPE;

/**
 * Who may call the API: an issuer, the audiences accepted from it and the two scopes. Unless an external issuer is
 * given, a Cognito user pool is created with a resource server (`phone-security/partner`, `phone-security/user`) and
 * one confidential client-credentials app client for the partner backend, whose id is the partner audience.
 */
export class ApiAuth extends Construct {
  readonly issuer: string;
  readonly audiences: string[];
  readonly userIdClaim: string;
  readonly userPool: cognito.UserPool | undefined;
  readonly partnerClient: cognito.UserPoolClient | undefined;
  /** Built-in pool only: the client-credentials app client of the bank's customer support tooling. */
  readonly operatorClient: cognito.UserPoolClient | undefined;
  /** Built-in pool only: where the partner backend gets its client-credentials token. */
  readonly tokenEndpoint: string | undefined;

  constructor(scope: Construct, id: string, props: ApiAuthProps = {}) {
    super(scope, id);
    this.userIdClaim = props.userIdClaim ?? 'sub';
    if (props.external) {
      if (props.external.audiences.length === 0)
        throw new Error('An external issuer needs at least one audience');
      this.issuer = props.external.issuer;
      this.audiences = props.external.audiences;
      return;
    }
    const pool = new cognito.UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { username: true },
      passwordPolicy: {
        minLength: 14,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
      },
      accountRecovery: cognito.AccountRecovery.NONE,
      // The pool holds no users today (the partner backend uses client credentials); any user added later, such as an
      // operator, must sign in with a TOTP second factor, and the Plus plan's threat protection acts on risky sign-ins.
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { sms: false, otp: true },
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const partner = new cognito.ResourceServerScope({
      scopeName: 'partner',
      scopeDescription: 'Partner backend: the whole partner API',
    });
    const user = new cognito.ResourceServerScope({
      scopeName: 'user',
      scopeDescription: 'End user: their own phone through the end-user API',
    });
    const operator = new cognito.ResourceServerScope({
      scopeName: 'operator',
      scopeDescription: "Customer support: second-factor resets and a person's security timeline",
    });
    const server = pool.addResourceServer('ResourceServer', {
      identifier: RESOURCE_SERVER,
      scopes: [partner, user, operator],
    });
    this.partnerClient = pool.addClient('PartnerClient', {
      generateSecret: true,
      authFlows: {},
      oAuth: {
        flows: { clientCredentials: true },
        scopes: [cognito.OAuthScope.resourceServer(server, partner)],
      },
      accessTokenValidity: Duration.hours(1),
      enableTokenRevocation: true,
      preventUserExistenceErrors: true,
    });
    // Its own client, so the partner backend can never obtain the operator scope and support tooling never the partner one.
    this.operatorClient = pool.addClient('OperatorClient', {
      generateSecret: true,
      authFlows: {},
      oAuth: {
        flows: { clientCredentials: true },
        scopes: [cognito.OAuthScope.resourceServer(server, operator)],
      },
      accessTokenValidity: Duration.hours(1),
      enableTokenRevocation: true,
      preventUserExistenceErrors: true,
    });
    const domain = pool.addDomain('Domain', {
      cognitoDomain: {
        domainPrefix:
          props.domainPrefix ?? defaultDomainPrefix(Stack.of(this).stackName, Stack.of(this).account),
      },
    });
    this.tokenEndpoint = `${domain.baseUrl()}/oauth2/token`;
    this.userPool = pool;
    this.issuer = pool.userPoolProviderUrl;
    this.audiences = [
      this.partnerClient.userPoolClientId,
      this.operatorClient.userPoolClientId,
      ...(props.userAudiences ?? []),
    ];
  }
}
