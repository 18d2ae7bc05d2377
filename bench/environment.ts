/**
 * What every section shares: one DynamoDB Local for the whole run, the configuration the local service would set,
 * and guards that keep all traffic on 127.0.0.1.
 */

import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEV_ISSUER } from '../shared/auth/dev-issuer.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from '../shared/local/dynamodb-local.ts';
import { createDocumentClient, ensureTable } from '../shared/storage/dynamo.ts';
import { PASSKEY_ORIGIN } from './scenario.ts';

/** Nothing listens on the discard port: an AWS call that was not pointed at DynamoDB Local fails here, locally. */
const NOWHERE = 'http://127.0.0.1:9';

/**
 * Set before any SDK client exists, in this process and in every child: no instance-metadata lookups (169.254.x),
 * credentials from the environment (never a profile or SSO), and a default endpoint on loopback for every service.
 */
export const SAFETY_ENV: Record<string, string> = {
  AWS_ENDPOINT_URL: NOWHERE,
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  LOG_SILENT: 'true',
  METRICS_DISABLED: 'true',
};

export function applySafetyEnv(): void {
  for (const [name, value] of Object.entries(SAFETY_ENV)) process.env[name] = value;
  delete process.env.AWS_PROFILE;
}

const pepper = randomBytes(32).toString('hex');
const webhookKey = randomBytes(32).toString('hex');

/**
 * The service's configuration as the local service sets it (shared/local/local-service.ts), for one table. The
 * queue and bus settings are there because the non-route functions refuse to start without them; they are never
 * called (the events the bench sends them need no SQS or EventBridge call).
 */
export function serviceEnv(endpoint: string, tableName: string): Record<string, string> {
  return {
    ...SAFETY_ENV,
    TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: endpoint,
    OTP_PEPPER: pepper,
    SMS_ADAPTER: 'outbox',
    SANDBOX_ENABLED: 'false',
    WEBHOOK_SECRET_KEY: webhookKey,
    WEBHOOK_ALLOW_LOCAL_HTTP: 'true',
    AUTH_ISSUER: DEV_ISSUER,
    WEBAUTHN_RP_ID: 'localhost',
    WEBAUTHN_ORIGINS: PASSKEY_ORIGIN,
    EVENT_BUS_NAME: 'bench-bus',
    WEBHOOK_DELIVERY_QUEUE_URL: `${NOWHERE}/000000000000/bench-deliveries`,
    WEBHOOK_DEAD_LETTER_QUEUE_URL: `${NOWHERE}/000000000000/bench-dead-letters`,
  };
}

let dynamo: DynamoDbLocal | undefined;

/** Section processes get the endpoint of the DynamoDB Local the main process started. */
export const DYNAMODB_ENDPOINT_VARIABLE = 'BENCH_DYNAMODB_ENDPOINT';

/** The run's DynamoDB Local: the parent's, or one started on first use. */
export async function dynamoEndpoint(): Promise<string> {
  const inherited = process.env[DYNAMODB_ENDPOINT_VARIABLE];
  if (inherited) return inherited;
  dynamo ??= await startDynamoDbLocal();
  return dynamo.endpoint;
}

/** The run's DynamoDB Local, with the named table created. */
export async function benchDynamo(tableName: string): Promise<string> {
  const endpoint = await dynamoEndpoint();
  const db = createDocumentClient({ region: 'us-east-1', endpoint });
  try {
    await ensureTable(db, tableName);
  } finally {
    db.destroy();
  }
  return endpoint;
}

export async function stopBenchDynamo(): Promise<void> {
  await dynamo?.stop();
  dynamo = undefined;
}

/** A webhook subscriber on 127.0.0.1 that accepts everything (the verification POST of create-webhook). */
export async function startReceiver(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(200).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
