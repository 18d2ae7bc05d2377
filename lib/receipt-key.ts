import { RemovalPolicy, type Stack } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { RouteDefinition } from '../shared/routes.ts';

/**
 * The KMS actions a route's function gets on the receipt key: `kms:Sign` only where the route signs receipts,
 * `kms:GetPublicKey` where it signs (the kid in the header) or publishes the keys (the JWKS route); nothing else.
 */
export function receiptKeyActions(
  route: Pick<RouteDefinition, 'signsReceipts' | 'readsReceiptKeys'>,
): string[] {
  if (route.signsReceipts) return ['kms:Sign', 'kms:GetPublicKey'];
  if (route.readsReceiptKeys) return ['kms:GetPublicKey'];
  return [];
}

/**
 * The key that signs SCA receipts: asymmetric, ECC_NIST_P256 for ES256, SIGN_VERIFY. KMS does not rotate asymmetric
 * keys; a rotation is a new key, with the old one published beside it while receipts it signed are still checked
 * (docs/operations.md). Kept on stack deletion like the table: receipts a bank stores must stay verifiable.
 */
export function receiptKey(scope: Construct, id: string): kms.Key {
  return new kms.Key(scope, id, {
    keySpec: kms.KeySpec.ECC_NIST_P256,
    keyUsage: kms.KeyUsage.SIGN_VERIFY,
    description: 'Signs SCA receipts (ES256); its public key is published as the receipts JWKS',
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/**
 * The receipts' `iss`: the service, the stage's account, region and stack name, and `:sandbox` where the stage accepts
 * the sandbox number (its receipts prove nothing about a real person), so no stage's receipt passes for another's.
 */
export const receiptIssuerOf = (stack: Stack, sandbox: boolean): string =>
  `phone-security:${stack.account}:${stack.region}:${stack.stackName}${sandbox ? ':sandbox' : ''}`;

/**
 * Grants a route's function what `receiptKeyActions` names on the signing key (and `kms:GetPublicKey` on retired
 * keys, which the JWKS keeps publishing), and sets RECEIPT_KEY_ID and RECEIPT_RETIRED_KEY_IDS: one call, so the
 * variables and the permissions cannot drift apart. Routes without a receipt flag get neither.
 */
export function bindReceiptKey(
  fn: iam.IGrantable & { addEnvironment(key: string, value: string): unknown },
  route: Pick<RouteDefinition, 'signsReceipts' | 'readsReceiptKeys'>,
  key: kms.IKey,
  retired: readonly kms.IKey[],
  issuer: string,
): void {
  const actions = receiptKeyActions(route);
  if (actions.length === 0) return;
  fn.addEnvironment('RECEIPT_KEY_ID', key.keyArn);
  fn.addEnvironment('RECEIPT_ISSUER', issuer);
  key.grant(fn, ...actions);
  if (retired.length > 0) {
    fn.addEnvironment('RECEIPT_RETIRED_KEY_IDS', retired.map((old) => old.keyArn).join(','));
    for (const old of retired) old.grant(fn, 'kms:GetPublicKey');
  }
}
