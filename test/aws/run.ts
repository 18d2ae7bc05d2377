/**
 * The real-account integration test: `npm run test:aws` (options after `--`: `--destroy` to remove the stacks
 * afterwards, `-c stackName=...` for another stage name). It needs AWS credentials and a region from the SDK's
 * default chain (AWS_PROFILE / AWS_ACCESS_KEY_ID..., AWS_REGION) and a bootstrapped account; without credentials it
 * says so and exits 0 having done nothing.
 *
 * 1. `cdk deploy` of test/aws/app.ts: a sandbox stage (`-c sandbox=true`) and a webhook receiver (function URL).
 * 2. A partner token from the stage's Cognito token endpoint (client credentials; secret read from Cognito).
 * 3. A webhook subscription to the receiver for PERSON_MOBILE_NUMBER_CREATED (the service checks the URL first).
 * 4. create → authorize → confirm with the sandbox number +15550101 and its fixed OTP.
 * 5. A device binding signed by the reference client (shared/devices/device-client.ts), then a device signature.
 * 6. The receiver got the mobile number's event, signed with the subscription's secret.
 *
 * Nothing here has run against AWS from this repository's machines (they have no route to AWS): `npm test` only
 * type-checks this file and synthesizes its app (test/cdk/integ-app.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { bind, generateDeviceKey, signChallenge } from '../../shared/devices/device-client.ts';
import { SANDBOX_NUMBER, SANDBOX_OTP } from '../../shared/mobile-number/phone-number.ts';
import { signBody } from '../../shared/webhooks/signature.ts';
import { INTEG_STACK } from './app.ts';

export interface StageOutputs {
  ApiUrl: string;
  TokenEndpoint: string;
  PartnerClientId: string;
  UserPoolId: string;
}
export interface ReceiverOutputs {
  ReceiverUrl: string;
  ReceiverTable: string;
}

/** Whether the SDK's default chain finds credentials (no call to AWS is made to find out). */
export async function hasCredentials(): Promise<boolean> {
  try {
    const credentials = await new DynamoDBClient({}).config.credentials();
    return Boolean(credentials.accessKeyId);
  } catch {
    return false;
  }
}

/** The stored delivery whose event is of the type and names the id, if its signature is the secret's. */
export function signedDelivery(
  deliveries: ReadonlyArray<{ headers: Record<string, string>; body: string }>,
  secret: string,
  match: (event: { metadata: { type: string }; data: Record<string, unknown> }) => boolean,
): { verified: boolean } | undefined {
  for (const delivery of deliveries) {
    if (!delivery.body) continue; // the subscription check is an empty POST
    const event = JSON.parse(delivery.body);
    if (!match(event)) continue;
    const signature =
      delivery.headers['solaris-webhook-signature'] ?? delivery.headers['Solaris-Webhook-Signature'];
    return { verified: signature === signBody(secret, delivery.body) };
  }
  return undefined;
}

function cdk(args: string[]) {
  const result = spawnSync('npx', ['cdk', ...args], {
    stdio: 'inherit',
    env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
  });
  if (result.status !== 0) throw new Error(`cdk ${args[0]} failed (exit ${result.status})`);
}

async function json(response: Response, what: string) {
  const text = await response.text();
  if (!response.ok) throw new Error(`${what}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function partnerToken(stage: StageOutputs): Promise<string> {
  const cognito = new CognitoIdentityProviderClient({});
  const { UserPoolClient } = await cognito.send(
    new DescribeUserPoolClientCommand({ UserPoolId: stage.UserPoolId, ClientId: stage.PartnerClientId }),
  );
  const basic = Buffer.from(`${stage.PartnerClientId}:${UserPoolClient?.ClientSecret ?? ''}`).toString(
    'base64',
  );
  const answer = await json(
    await fetch(stage.TokenEndpoint, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&scope=phone-security/partner',
    }),
    'token',
  );
  return answer.access_token;
}

async function main(args: string[]) {
  if (!(await hasCredentials())) {
    console.log('No AWS credentials found (SDK default chain): the real-account test did not run.');
    return;
  }
  const contextArgs = args.filter((arg, i) => arg === '-c' || args[i - 1] === '-c');
  const stackName =
    contextArgs.find((arg) => arg.startsWith('stackName='))?.slice('stackName='.length) ?? INTEG_STACK;
  const outputsFile = join(mkdtempSync(join(tmpdir(), 'phone-security-integ-')), 'outputs.json');
  const app = ['--app', 'npx tsx test/aws/app.ts', ...contextArgs];
  cdk(['deploy', ...app, '--all', '--require-approval', 'never', '--outputs-file', outputsFile]);
  const outputs = JSON.parse(readFileSync(outputsFile, 'utf8'));
  const stage: StageOutputs = outputs[stackName];
  const receiver: ReceiverOutputs = outputs[`${stackName}Receiver`];

  const token = await partnerToken(stage);
  const api = { baseUrl: stage.ApiUrl, token };
  const call = async (method: string, path: string, body?: unknown) =>
    json(
      await fetch(new URL(path, stage.ApiUrl), {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
      `${method} ${path}`,
    );

  const subscription = await call('POST', '/v1/webhooks', {
    event_type: 'PERSON_MOBILE_NUMBER_CREATED',
    url: receiver.ReceiverUrl,
  });
  const personId = `integ${randomUUID().replaceAll('-', '')}`;
  try {
    const created = await call('POST', `/v1/persons/${personId}/mobile_number`, { number: SANDBOX_NUMBER });
    await call('POST', `/v1/persons/${personId}/mobile_number/authorize`, { number: SANDBOX_NUMBER });
    const confirmed = await call('POST', `/v1/persons/${personId}/mobile_number/confirm`, {
      number: SANDBOX_NUMBER,
      token: SANDBOX_OTP,
    });
    if (confirmed.verified !== true) throw new Error(`confirm answered ${JSON.stringify(confirmed)}`);
    console.log(`✓ create → authorize → confirm (${created.id})`);

    const keys = await generateDeviceKey();
    const device = await bind(api, {
      personId,
      name: 'integration test',
      keys,
      readOtp: async () => SANDBOX_OTP,
    });
    await signChallenge(api, { deviceId: device.deviceId, privateKey: keys.privateKey });
    console.log(`✓ device bound and signed (${device.deviceId})`);

    const db = new DynamoDBClient({});
    const deadline = Date.now() + 180_000;
    for (;;) {
      const page = await db.send(
        new QueryCommand({
          TableName: receiver.ReceiverTable,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: 'DELIVERY' } },
        }),
      );
      const deliveries = (page.Items ?? []).map((item) => ({
        headers: JSON.parse(item.headers?.S ?? '{}'),
        body: item.body?.S ?? '',
      }));
      const found = signedDelivery(deliveries, subscription.secret, (event) => event.data?.id === created.id);
      if (found?.verified) break;
      if (found) throw new Error('the delivery arrived with a signature that does not match the secret');
      if (Date.now() > deadline) throw new Error('no delivery of the mobile number event within 3 minutes');
      await new Promise((done) => setTimeout(done, 5000));
    }
    console.log('✓ webhook delivered to the receiver, signed with the subscription secret');
  } finally {
    await call('DELETE', `/v1/webhooks/${subscription.id}`).catch(() => undefined);
    if (args.includes('--destroy')) {
      // The table, its key, the secrets and the user pool are retained by design; remove them by hand if wanted.
      cdk(['destroy', ...app, '--all', '--force']);
    }
  }
}

if (import.meta.url === pathToFileURL(resolve(process.argv[1] ?? '')).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`real-account test failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
