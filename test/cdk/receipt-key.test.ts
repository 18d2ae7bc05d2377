import { App, type CfnElement } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { PhoneSecurityStack } from '../../lib/phone-security-stack.ts';
import { receiptKeyActions } from '../../lib/receipt-key.ts';
import { ROUTES, type RouteDefinition } from '../../shared/routes.ts';
import { stageTemplate } from './stage-template.ts';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON
type Json = any;

const RETIRED = 'arn:aws:kms:eu-central-1:111111111111:key/00000000-0000-4000-8000-000000000001';
const SIGNER = 'confirm-change-request';
const READER = 'get-change-request';

/**
 * The route table with one route flagged to sign receipts and one to publish the keys. Existing operations stand in
 * for them (their handler files exist), so the stack is the real one with two flags set.
 */
const flagged: RouteDefinition[] = ROUTES.map((route) =>
  route.operation === SIGNER
    ? { ...route, signsReceipts: true }
    : route.operation === READER
      ? { ...route, readsReceiptKeys: true, auth: 'public' as const }
      : route,
);

function synth(props: { routes?: readonly RouteDefinition[]; retiredReceiptKeyArns?: string[] } = {}) {
  // Bundling is skipped: this is about wiring and permissions, not the bundle.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new PhoneSecurityStack(app, 'ReceiptKeyTest', {
    env: { account: '111111111111', region: 'eu-central-1' },
    ...props,
  });
  const template = stageTemplate(stack);
  const json = template.toJSON() as Json;
  const keyId = stack.getLogicalId(stack.data.receiptKey.node.defaultChild as CfnElement);
  /** Every IAM statement attached to the role of one function. */
  const statements = (roleId: string): Json[] =>
    Object.values(json.Resources as Record<string, Json>)
      .filter(
        (r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((role: Json) => role.Ref === roleId),
      )
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
  const functions = Object.entries(json.Resources as Record<string, Json>).filter(
    ([, r]) => r.Type === 'AWS::Lambda::Function',
  );
  const operationOf = new Map(
    [...stack.functions].map(([operation, fn]) => [
      stack.getLogicalId(fn.node.defaultChild as CfnElement),
      operation,
    ]),
  );
  return {
    app,
    template,
    keyId,
    /** operation (or logical id for functions outside the route table) → its statements and environment. */
    all: functions.map(([id, fn]) => ({
      name: operationOf.get(id) ?? id,
      statements: fn.Properties.Role?.['Fn::GetAtt'] ? statements(fn.Properties.Role['Fn::GetAtt'][0]) : [],
      env: (fn.Properties.Environment?.Variables ?? {}) as Record<string, Json>,
    })),
  };
}

const actions = (statement: Json): string[] => [statement.Action].flat();
const kmsStatements = (statements: Json[]) =>
  statements.filter((statement) => actions(statement).some((action) => action.startsWith('kms:')));
const onKey = (statement: Json, keyId: string) =>
  [statement.Resource].flat().some((resource: Json) => resource?.['Fn::GetAtt']?.[0] === keyId);

describe('receipt key', () => {
  const flaggedStack = synth({ routes: flagged, retiredReceiptKeyArns: [RETIRED] });

  it('is an asymmetric ECC_NIST_P256 SIGN_VERIFY key, kept when the stack is deleted', () => {
    const key = flaggedStack.template.toJSON().Resources[flaggedStack.keyId];
    expect(key.Type).toBe('AWS::KMS::Key');
    expect(key.Properties).toMatchObject({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    expect(key.Properties.EnableKeyRotation).toBeUndefined();
    expect(key.DeletionPolicy).toBe('Retain');
    expect(key.UpdateReplacePolicy).toBe('Retain');
  });

  it('maps the route flags to KMS actions: Sign only for signers, GetPublicKey for signers and readers', () => {
    expect(receiptKeyActions({ signsReceipts: true })).toEqual(['kms:Sign', 'kms:GetPublicKey']);
    expect(receiptKeyActions({ readsReceiptKeys: true })).toEqual(['kms:GetPublicKey']);
    expect(receiptKeyActions({ signsReceipts: true, readsReceiptKeys: true })).toEqual([
      'kms:Sign',
      'kms:GetPublicKey',
    ]);
    expect(receiptKeyActions({})).toEqual([]);
  });

  it('grants the signing route kms:Sign and kms:GetPublicKey on the receipt key, and GetPublicKey on a retired key', () => {
    const signer = flaggedStack.all.find((fn) => fn.name === SIGNER)!;
    const receipt = kmsStatements(signer.statements).filter((s) => onKey(s, flaggedStack.keyId));
    expect(receipt.flatMap(actions).sort()).toEqual(['kms:GetPublicKey', 'kms:Sign']);
    const retired = kmsStatements(signer.statements).filter((s) => [s.Resource].flat().includes(RETIRED));
    expect(retired.flatMap(actions)).toEqual(['kms:GetPublicKey']);
    expect(signer.env.RECEIPT_KEY_ID).toEqual({ 'Fn::GetAtt': [flaggedStack.keyId, 'Arn'] });
    expect(signer.env.RECEIPT_RETIRED_KEY_IDS).toBe(RETIRED);
    // The issuer names the service and the stage: account, region and stack name.
    expect(signer.env.RECEIPT_ISSUER).toBe('phone-security:111111111111:eu-central-1:ReceiptKeyTest');
  });

  it('grants the key-reading route kms:GetPublicKey only, on the receipt key and the retired key', () => {
    const reader = flaggedStack.all.find((fn) => fn.name === READER)!;
    const receiptKeys = kmsStatements(reader.statements).filter(
      (s) => onKey(s, flaggedStack.keyId) || [s.Resource].flat().includes(RETIRED),
    );
    expect(receiptKeys.flatMap(actions)).toEqual(['kms:GetPublicKey', 'kms:GetPublicKey']);
    expect(kmsStatements(reader.statements).flatMap(actions)).not.toContain('kms:Sign');
    expect(reader.env.RECEIPT_KEY_ID).toEqual({ 'Fn::GetAtt': [flaggedStack.keyId, 'Arn'] });
    expect(reader.env.RECEIPT_RETIRED_KEY_IDS).toBe(RETIRED);
  });

  it('gives no other function any KMS action on a receipt key, kms:Sign, kms:GetPublicKey, kms:* or the key id', () => {
    // Every route whose entry carries no receipt flag, and the functions outside the route table.
    const flaggedNames = new Set(
      flagged.filter((route) => receiptKeyActions(route).length > 0).map((r) => r.operation),
    );
    expect(flaggedNames).toContain(SIGNER);
    expect(flaggedNames).toContain(READER);
    const others = flaggedStack.all.filter((fn) => !flaggedNames.has(fn.name));
    expect(others.length).toBeGreaterThan(30);
    for (const fn of others) {
      const kms = kmsStatements(fn.statements);
      expect(
        kms.filter((s) => onKey(s, flaggedStack.keyId) || [s.Resource].flat().includes(RETIRED)),
      ).toEqual([]);
      expect(
        kms.flatMap(actions).filter((a) => ['kms:Sign', 'kms:GetPublicKey', 'kms:*'].includes(a)),
      ).toEqual([]);
      expect(fn.env).not.toHaveProperty('RECEIPT_KEY_ID');
      expect(fn.env).not.toHaveProperty('RECEIPT_ISSUER');
      expect(fn.env).not.toHaveProperty('RECEIPT_RETIRED_KEY_IDS');
    }
  });

  it('grants every flagged route exactly the actions its flags map to', () => {
    for (const route of flagged.filter((r) => receiptKeyActions(r).length > 0)) {
      const fn = flaggedStack.all.find((f) => f.name === route.operation)!;
      const onReceiptKey = kmsStatements(fn.statements).filter((s) => onKey(s, flaggedStack.keyId));
      expect(onReceiptKey.flatMap(actions).sort()).toEqual([...receiptKeyActions(route)].sort());
    }
  });

  it('leaves cdk-nag AwsSolutions without a finding when routes carry the flags (the key set route public)', () => {
    const report = new AwsSolutionsChecks().validateScope(flaggedStack.app);
    expect(report.violations.map((violation) => violation.ruleName)).toEqual([]);
  });

  it('with the route table as it is, no function may use the receipt key', () => {
    const plain = synth();
    const flags = ROUTES.filter((route) => receiptKeyActions(route).length > 0).map(
      (route) => route.operation,
    );
    for (const fn of plain.all) {
      const granted = kmsStatements(fn.statements).filter((s) => onKey(s, plain.keyId));
      // Exactly the flagged routes of the table get a grant, and only those.
      expect(granted.length > 0).toBe(flags.includes(fn.name));
    }
  });
});
