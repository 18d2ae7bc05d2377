import { App } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { PhoneSecurityStack, type PhoneSecurityStackProps } from '../../lib/phone-security-stack.ts';
import { authOf, ROUTES, type RouteDefinition } from '../../shared/routes.ts';
import { stageTemplate } from './stage-template.ts';

/** Synthesizes without bundling the functions (the assertions concern wiring, not code). */
function synth(props: PhoneSecurityStackProps = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new PhoneSecurityStack(app, 'Test', props);
  return { stack, template: stageTemplate(stack) };
}

const { stack, template } = synth();
const routeKey = (route: RouteDefinition) => `${route.method} ${route.path}`;

function routesByKey(t: Template) {
  const routes = t.findResources('AWS::ApiGatewayV2::Route');
  return new Map(Object.values(routes).map((r) => [r.Properties.RouteKey as string, r.Properties]));
}

describe('every route behind the JWT authorizer', () => {
  const deployed = routesByKey(template);
  const [authorizerId] = Object.keys(template.findResources('AWS::ApiGatewayV2::Authorizer'));

  it('deploys exactly the route table', () => {
    expect([...deployed.keys()].sort()).toEqual(ROUTES.map(routeKey).sort());
  });

  it.each(
    ROUTES.map((route) => [routeKey(route), route] as const),
  )('%s needs a token with its scope', (_, route) => {
    expect(authOf(route)).not.toBe('public');
    const properties = deployed.get(routeKey(route))!;
    expect(properties.AuthorizationType).toBe('JWT');
    expect(properties.AuthorizerId).toEqual({ Ref: authorizerId });
    expect(properties.AuthorizationScopes).toEqual([`phone-security/${authOf(route)}`]);
  });

  it('trusts the stack pool as issuer and its partner client as audience', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        // ProviderURL is https://cognito-idp.<region>.amazonaws.com/<pool id>, the pool's token issuer.
        Issuer: { 'Fn::GetAtt': [Match.stringLikeRegexp('UserPool'), 'ProviderURL'] },
        Audience: [
          { Ref: Match.stringLikeRegexp('PartnerClient') },
          { Ref: Match.stringLikeRegexp('OperatorClient') },
        ],
      },
    });
  });

  it('gives the partner a confidential client-credentials client with only the partner scope', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: true,
      AllowedOAuthFlows: ['client_credentials'],
      AllowedOAuthScopes: [
        { 'Fn::Join': ['', [{ Ref: Match.stringLikeRegexp('ResourceServer') }, '/partner']] },
      ],
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: 'phone-security',
      Scopes: Match.arrayWith([
        Match.objectLike({ ScopeName: 'partner' }),
        Match.objectLike({ ScopeName: 'user' }),
        Match.objectLike({ ScopeName: 'operator' }),
      ]),
    });
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    });
  });

  it('gives customer support its own client-credentials client with only the operator scope', () => {
    const clients = Object.values(template.findResources('AWS::Cognito::UserPoolClient'));
    expect(clients).toHaveLength(2);
    const scopesOfClient = clients.map((client) => JSON.stringify(client.Properties.AllowedOAuthScopes));
    expect(scopesOfClient.filter((s) => s.includes('/operator'))).toHaveLength(1);
    expect(scopesOfClient.filter((s) => s.includes('/operator') && s.includes('/partner'))).toHaveLength(0);
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: true,
      AllowedOAuthFlows: ['client_credentials'],
      AllowedOAuthScopes: [
        { 'Fn::Join': ['', [{ Ref: Match.stringLikeRegexp('ResourceServer') }, '/operator']] },
      ],
    });
  });

  it('tells every function the issuer and scopes to check again', () => {
    for (const operation of stack.functions.keys()) {
      const fn = Object.values(template.findResources('AWS::Lambda::Function')).find((resource) =>
        resource.Properties.Description?.includes(ROUTES.find((r) => r.operation === operation)!.path),
      );
      expect(fn?.Properties.Environment.Variables).toMatchObject({
        AUTH_ISSUER: expect.anything(),
        AUTH_PARTNER_SCOPE: 'phone-security/partner',
        AUTH_USER_SCOPE: 'phone-security/user',
        AUTH_OPERATOR_SCOPE: 'phone-security/operator',
        AUTH_USER_ID_CLAIM: 'sub',
      });
    }
  });
});

describe('with an external issuer', () => {
  const external = synth({
    auth: {
      external: { issuer: 'https://id.example.com', audiences: ['api-1', 'app-2'] },
      userIdClaim: 'person_id',
    },
  }).template;

  it('creates no user pool and trusts the given issuer and audiences', () => {
    external.resourceCountIs('AWS::Cognito::UserPool', 0);
    external.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      JwtConfiguration: { Issuer: 'https://id.example.com', Audience: ['api-1', 'app-2'] },
    });
    external.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          AUTH_ISSUER: 'https://id.example.com',
          AUTH_USER_ID_CLAIM: 'person_id',
        }),
      },
    });
  });
});

describe('a public route', () => {
  it('is the only kind deployed without the authorizer', () => {
    const health: RouteDefinition = {
      operation: 'get-mobile-number',
      method: 'GET',
      path: '/v1/mfa/public_thing',
      summary: 'test only',
      table: [],
      auth: 'public',
    };
    const deployed = routesByKey(synth({ routes: [health, ROUTES[0]!] }).template);
    expect(deployed.get('GET /v1/mfa/public_thing')?.AuthorizationType).toBe('NONE');
    expect(deployed.get(routeKey(ROUTES[0]!))?.AuthorizationType).toBe('JWT');
  });
});

describe('end-user functions get only what they use', () => {
  it('lets get-my-phone only read', () => {
    const role = stack.functions.get('get-my-phone')!.role!;
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: stack.getLogicalId(role.node.defaultChild as never) }] },
    });
    const actions = Object.values(policies).flatMap((p) =>
      p.Properties.PolicyDocument.Statement.flatMap((s: { Action: string | string[] }) => [s.Action].flat()),
    );
    expect(actions.filter((a: string) => a.startsWith('dynamodb:'))).toEqual(['dynamodb:GetItem']);
    expect(actions).not.toContain('sns:Publish');
    expect(actions).not.toContain('secretsmanager:GetSecretValue');
  });
});
