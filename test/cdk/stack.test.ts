import { App } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { PhoneSecurityStack } from '../../lib/phone-security-stack.ts';
import { FUNCTION_RUNTIME } from '../../lib/service-function.ts';
import { CONSOLE_PATHS } from '../../shared/local/console/console-server.ts';
import { ROUTES, type RouteDefinition, readsSandbox } from '../../shared/routes.ts';
import { stageTemplate } from './stage-template.ts';

let template: Template;
let stack: PhoneSecurityStack;

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON
type Json = any;

beforeAll(() => {
  const app = new App();
  stack = new PhoneSecurityStack(app, 'TestStack', {
    env: { account: '111111111111', region: 'eu-central-1' },
  });
  template = stageTemplate(stack);
}, 120_000);

/** Every IAM statement attached to the function's role. */
function statementsOf(route: RouteDefinition): Json[] {
  const fn = stack.functions.get(route.operation)!;
  const functionId = stack.getLogicalId(fn.node.defaultChild as never);
  const roleId = template.toJSON().Resources[functionId].Properties.Role['Fn::GetAtt'][0];
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Json[];
  return policies
    .filter((policy) => policy.Properties.Roles.some((role: Json) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

const actionsOf = (statement: Json): string[] => [statement.Action].flat();

describe('functions and routes', () => {
  it('has one function per route-table entry, one HTTP API route each, and every function on arm64 nodejs24.x', () => {
    // Every function but the provider CDK's AwsCustomResource makes for the SMS account settings (lib/sms-go-live.ts),
    // whose runtime and architecture CDK chooses.
    const all = Object.fromEntries(
      Object.entries(template.findResources('AWS::Lambda::Function')).filter(
        ([id]) => !id.startsWith('AWS679f53fac002430cb0da5b7982bd2287'),
      ),
    );
    const conforming = template.findResources('AWS::Lambda::Function', {
      Properties: { Runtime: 'nodejs24.x', Architectures: ['arm64'] },
    });
    expect(Object.keys(conforming)).toEqual(Object.keys(all));
    expect(FUNCTION_RUNTIME.name).toBe('nodejs24.x');
    expect([...stack.functions.keys()].sort()).toEqual(ROUTES.map((route) => route.operation).sort());
    for (const route of ROUTES) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: `${route.method} ${route.path}`,
      });
    }
    expect(Object.keys(template.findResources('AWS::ApiGatewayV2::Route'))).toHaveLength(ROUTES.length);
  });

  it('has no local-only route', () => {
    const keys = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (route: Json) => route.Properties.RouteKey as string,
    );
    expect(keys.some((key) => key.includes('/_local'))).toBe(false);
  });

  it('has no route of the local console: not its page, files, OpenAPI document, stream or tokens, and no catch-all', () => {
    const keys = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (route: Json) => route.Properties.RouteKey as string,
    );
    const paths = keys.map((key) => key.split(' ')[1] ?? key);
    expect(keys).not.toContain('$default');
    for (const path of Object.values(CONSOLE_PATHS)) {
      expect(paths.filter((routePath) => routePath === path || routePath.startsWith(`${path}/`))).toEqual([]);
    }
    expect(paths.filter((routePath) => routePath.startsWith('/console'))).toEqual([]);
    expect(paths.some((routePath) => routePath.includes('{proxy+}'))).toBe(false);
  });

  it('throttles the stage and writes access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingBurstLimit: Match.anyValue(), ThrottlingRateLimit: Match.anyValue() },
      AccessLogSettings: { DestinationArn: Match.anyValue() },
    });
  });

  it('gives each function only the settings it reads: no placeholders, the pepper ARN only where granted', () => {
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function')) as Json[]) {
      expect(Object.values(fn.Properties.Environment?.Variables ?? {})).not.toContain('none');
    }
    for (const route of ROUTES) {
      const fn = stack.functions.get(route.operation)!;
      const env =
        template.toJSON().Resources[stack.getLogicalId(fn.node.defaultChild as never)].Properties.Environment;
      expect(Object.hasOwn(env.Variables, 'OTP_PEPPER_SECRET_ARN')).toBe(Boolean(route.usesPepper));
      expect(Object.hasOwn(env.Variables, 'WEBHOOK_SECRET_KEY_ARN')).toBe(Boolean(route.usesWebhookKey));
    }
  });

  it('never puts the pepper in an environment variable and keeps the sandbox off by default', () => {
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function')) as Json[]) {
      expect(fn.Properties.Environment?.Variables ?? {}).not.toHaveProperty('OTP_PEPPER');
    }
    for (const route of ROUTES) {
      const fn = stack.functions.get(route.operation)!;
      const env =
        template.toJSON().Resources[stack.getLogicalId(fn.node.defaultChild as never)].Properties.Environment;
      expect(env.Variables.SANDBOX_ENABLED).toBe(readsSandbox(route) ? 'false' : undefined);
    }
  });
});

describe('table', () => {
  it('has TTL, point-in-time recovery, KMS encryption, a stream and is retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: {
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
        StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
        DeletionProtectionEnabled: true,
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });
});

describe('least privilege', () => {
  it.each(
    ROUTES.map((route) => [route.operation, route] as const),
  )('%s gets exactly its table actions, on the table, and Query on exactly its indexes', (_, route) => {
    const tableId = stack.getLogicalId(stack.data.table.node.defaultChild as never);
    const tableArn = { 'Fn::GetAtt': [tableId, 'Arn'] };
    const dynamo = statementsOf(route).filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('dynamodb:')),
    );
    const onTable = dynamo.filter(
      (statement) => JSON.stringify(statement.Resource) === JSON.stringify(tableArn),
    );
    const onIndexes = dynamo.filter((statement) => !onTable.includes(statement));
    expect(new Set(onTable.flatMap(actionsOf))).toEqual(
      new Set(route.table.map((action) => `dynamodb:${action}`)),
    );
    expect(onIndexes.flatMap(actionsOf).every((action) => action === 'dynamodb:Query')).toBe(true);
    expect(onIndexes.flatMap((statement) => [statement.Resource].flat())).toEqual(
      (route.indexes ?? []).map((index) => ({ 'Fn::Join': ['', [tableArn, `/index/${index}`]] })),
    );
  });

  it.each(
    ROUTES.map((route) => [route.operation, route] as const),
  )('%s may publish SMS only if it sends them', (_, route) => {
    const sns = statementsOf(route).filter((statement) =>
      actionsOf(statement).some((a) => a.startsWith('sns:')),
    );
    if (!route.sendsSms) {
      expect(sns).toEqual([]);
      return;
    }
    expect(sns).toHaveLength(1);
    expect(sns[0]).toMatchObject({
      Action: 'sns:Publish',
      Effect: 'Allow',
      NotResource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sns:*:*:*']] },
    });
    expect(sns[0]).not.toHaveProperty('Resource');
  });

  it.each(
    ROUTES.map((route) => [route.operation, route] as const),
  )('%s reads the pepper only if it uses OTPs', (_, route) => {
    const pepperId = stack.getLogicalId(stack.data.pepper.node.defaultChild as never);
    const secrets = statementsOf(route).filter(
      (statement) =>
        actionsOf(statement).some((a) => a.startsWith('secretsmanager:')) &&
        JSON.stringify(statement.Resource).includes(pepperId),
    );
    expect(secrets.length > 0).toBe(Boolean(route.usesPepper));
  });

  it('grants no wildcard actions', () => {
    for (const route of ROUTES) {
      for (const action of statementsOf(route).flatMap(actionsOf)) expect(action).not.toMatch(/\*$/);
    }
  });
});
