import { App, type CfnElement } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { PhoneSecurityStack } from '../../lib/phone-security-stack.ts';
import { ROUTES } from '../../shared/routes.ts';
import { stageTemplate } from './stage-template.ts';

// Bundling is skipped: these tests are about wiring and permissions, not the bundle.
const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
const stack = new PhoneSecurityStack(app, 'DeviceRoutesTest');
const template = stageTemplate(stack);

interface CfnResource {
  Type: string;
  Properties: {
    Roles?: Array<{ Ref?: string }>;
    PolicyDocument?: { Statement: Array<{ Action: string | string[] }> };
  };
}
const resources = Object.values(template.toJSON().Resources as Record<string, CfnResource>);

const DEVICE_ROUTES = ROUTES.filter((r) => r.path.startsWith('/v1/mfa/'));

/** Written out here, not read from the route table, so that widening a grant fails this test. */
const EXPECTED_TABLE_ACTIONS: Record<string, string[]> = {
  'create-device': ['BatchGetItem', 'GetItem', 'PutItem', 'UpdateItem'],
  'list-devices': ['Query'],
  'get-device': ['GetItem'],
  'delete-device': ['GetItem', 'PutItem', 'UpdateItem'],
  'get-signature-challenge': ['GetItem'],
  'verify-signature-challenge': ['BatchGetItem', 'ConditionCheckItem', 'GetItem', 'PutItem', 'UpdateItem'],
  'add-device-key': ['GetItem', 'PutItem', 'UpdateItem'],
  'list-device-keys': ['GetItem', 'Query'],
  'get-device-key': ['GetItem'],
  'create-device-challenge': ['ConditionCheckItem', 'GetItem', 'PutItem', 'UpdateItem'],
  'get-device-challenge': ['GetItem'],
  'verify-device-challenge': ['ConditionCheckItem', 'GetItem', 'PutItem', 'UpdateItem'],
};
const SENDS_SMS = ['create-device'];
const READS_PEPPER = ['create-device', 'verify-signature-challenge'];

/** Every action granted to the function of an operation, across all policies attached to its role. */
function grantedActions(operation: string): string[] {
  const fn = stack.functions.get(operation)!;
  const roleId = stack.getLogicalId(fn.role!.node.defaultChild as CfnElement);
  return resources
    .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles?.some((role) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument!.Statement)
    .flatMap((statement) => [statement.Action].flat());
}

describe('device routes in the stack', () => {
  it('has every device operation as an HTTP API route', () => {
    expect(DEVICE_ROUTES.map((r) => r.operation).sort()).toEqual(Object.keys(EXPECTED_TABLE_ACTIONS).sort());
    for (const route of DEVICE_ROUTES) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: `${route.method} ${route.path}`,
      });
    }
  });

  it.each(DEVICE_ROUTES.map((r) => [r.operation] as const))('%s gets exactly its grants', (operation) => {
    const actions = grantedActions(operation);
    expect(actions.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual(
      EXPECTED_TABLE_ACTIONS[operation]!.map((a) => `dynamodb:${a}`),
    );
    expect(actions.includes('sns:Publish')).toBe(SENDS_SMS.includes(operation));
    expect(actions.some((a) => a.startsWith('secretsmanager:'))).toBe(READS_PEPPER.includes(operation));
  });
});
