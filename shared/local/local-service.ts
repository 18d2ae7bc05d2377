import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEV_AUDIENCE, DEV_ISSUER, DevIssuer, LocalJwtAuthorizer } from '../auth/dev-issuer.ts';
import type { Adapters } from '../compose.ts';
import { loadConfig } from '../config.ts';
import type { Clock } from '../deps.ts';
import { localReceiptSigner } from '../receipts/local-receipt-signer.ts';
import { OutboxSmsSender } from '../sms/outbox-sms-sender.ts';
import { guardTableAccess, requireGrant } from '../storage/access-guard.ts';
import { createDocumentClient, type DocumentClient, ensureTable } from '../storage/dynamo.ts';
import { nodeWebhookHttp, type WebhookHttp } from '../webhooks/webhook-http.ts';
import { createLocalConsole } from './console/console-server.ts';
import { LocalFeed } from './console/feed.ts';
import { personRecords } from './dynamo-local-person-records.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local.ts';
import { type GatewayOptions, type LambdaHandler, type LocalRoute, startGateway } from './gateway.ts';
import { type LocalEvents, startLocalEvents } from './local-events.ts';

export interface LocalServiceOptions {
  port?: number;
  /** Use this DynamoDB (Local) endpoint instead of starting one. */
  dynamoEndpoint?: string;
  /** Keep DynamoDB Local's data (and the OTP pepper) in this folder. */
  persistPath?: string;
  tableName?: string;
  clock?: Clock;
  /** Extra configuration, as environment variables would give it (for example OTP_TTL_SECONDS). */
  env?: Record<string, string>;
  log?: (line: string) => void;
  /** Run the in-process event relay and webhook delivery (default true). */
  events?: boolean;
  /** Outbound HTTP for webhooks (tests wrap it to watch traffic). */
  webhookHttp?: WebhookHttp;
  /** Sees each answer of a route-table route (tests check answers against the OpenAPI document with it). */
  observe?: GatewayOptions['observe'];
  /** Keep the development issuer's signing key in this file (created on first use); otherwise a key per run. */
  issuerKeyFile?: string;
  /** Each request's function and integration timeouts (tests shorten them; see shared/local/gateway.ts). */
  timeouts?: { functionMs?: number; integrationMs?: number };
}

export interface LocalService {
  url: string;
  /** What every handler is composed with here: the same factories as on AWS, with local adapters. */
  adapters: Adapters;
  /** The table client (guarded by the route grants during requests) and the table's name. */
  db: DocumentClient;
  tableName: string;
  /** The development issuer whose tokens this server accepts. */
  issuer: DevIssuer;
  outbox: OutboxSmsSender;
  dynamoEndpoint: string;
  /** The in-process event relay and webhook delivery, when running. */
  events: LocalEvents | undefined;
  close(): Promise<void>;
}

/** Local mode generates a pepper per run; with --persist it is kept beside the data, so stored OTPs stay checkable. */
function localPepper(persistPath?: string, name = 'otp-pepper'): string {
  if (!persistPath) return randomBytes(32).toString('hex');
  const file = join(persistPath, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(persistPath, { recursive: true });
  const pepper = randomBytes(32).toString('hex');
  writeFileSync(file, pepper, { mode: 0o600 });
  return pepper;
}

/**
 * The whole service on one machine: DynamoDB Local, the table built from the stack's definition, the real handlers
 * behind a local gateway, and SMS kept in an outbox instead of going to SNS.
 */
export async function startLocalService(options: LocalServiceOptions = {}): Promise<LocalService> {
  const dynamo: DynamoDbLocal | undefined = options.dynamoEndpoint
    ? undefined
    : await startDynamoDbLocal(
        options.persistPath ? { persistPath: join(options.persistPath, 'dynamodb') } : {},
      );
  const dynamoEndpoint = options.dynamoEndpoint ?? dynamo!.endpoint;
  try {
    const env: NodeJS.ProcessEnv = {
      AWS_REGION: 'us-east-1',
      TABLE_NAME: options.tableName ?? 'phone-security',
      DYNAMODB_ENDPOINT: dynamoEndpoint,
      OTP_PEPPER: localPepper(options.persistPath),
      SMS_ADAPTER: 'outbox',
      SANDBOX_ENABLED: 'true',
      // Sealing key for webhook secrets: generated like the pepper (kept with --persist, so secrets stay usable).
      WEBHOOK_SECRET_KEY: localPepper(options.persistPath, 'webhook-secret-key'),
      WEBHOOK_ALLOW_LOCAL_HTTP: 'true',
      WEBHOOK_RETRY_BASE_SECONDS: '1',
      WEBHOOK_RETRY_MAX_DELAY_SECONDS: '30',
      AUTH_ISSUER: DEV_ISSUER,
      ...options.env,
    };
    // Fail fast on a bad setting, as a cold start would.
    const config = loadConfig(env);
    const clock = options.clock ?? { now: () => new Date() };
    const issuer = await DevIssuer.create({
      ...(options.issuerKeyFile ? { keyFile: options.issuerKeyFile } : {}),
      scopes: config.auth,
      now: () => clock.now(),
    });
    const authorizer = new LocalJwtAuthorizer(issuer.jwks(), DEV_ISSUER, [DEV_AUDIENCE], () => clock.now());
    // What the console at / shows live: the outbox, the events the relay publishes, the webhook deliveries.
    const feed = new LocalFeed();
    const outbox = new OutboxSmsSender(
      () => clock.now(),
      (entry) => feed.sms(entry),
    );
    const db = createDocumentClient({ region: config.region, endpoint: dynamoEndpoint });
    await ensureTable(db, config.tableName);
    // The local adapters, each held to the current request's route-table grants as IAM holds each Lambda on AWS:
    // table actions, the SMS sender, the pepper and the webhook key.
    guardTableAccess(db);
    const adapters: Adapters = {
      env,
      db,
      clock,
      smsSender: {
        send: async (message) => {
          requireGrant('sendsSms');
          await outbox.send(message);
        },
      },
      guardSecret: requireGrant,
      // A fresh ES256 key per run; receipts of earlier runs no longer verify against this run's key set.
      receiptSigner: await localReceiptSigner({ guard: requireGrant }),
      webhookHttp: feed.watch(options.webhookHttp ?? nodeWebhookHttp),
    };
    let events: LocalEvents | undefined;
    const localRoutes: LocalRoute[] = [
      { method: 'GET', path: '/_local/sms', handle: async () => ({ status: 200, body: outbox.entries }) },
      {
        method: 'GET',
        path: '/_local/events',
        handle: async () => ({ status: 200, body: events?.log.list() ?? [] }),
      },
      // Local-only inspection for tests and debugging: what the table holds for one person's mobile number, its
      // pending code's attempt count and the person's charged code checks today (never a code or its hash).
      {
        method: 'GET',
        path: '/_local/person',
        handle: async (request) => ({
          status: 200,
          body: await personRecords(db, config.tableName, request),
        }),
      },
      // Public on purpose: verifiers need the key set, and it holds only the public key.
      {
        method: 'GET',
        path: '/.well-known/jwks.json',
        handle: async () => ({ status: 200, body: issuer.jwks() }),
      },
    ];

    const localConsole = createLocalConsole({
      feed,
      issuer,
      clear: () => {
        outbox.entries.length = 0;
        events?.log.clear();
      },
      // Retry now: one more attempt at once, with the next attempt number. A retry already scheduled still runs;
      // receivers deduplicate on the event id, as they must for any at-least-once delivery.
      retry: async (eventId, subscriptionId) => {
        const entry = events?.log.list().find((e) => e.event.metadata.id === eventId);
        if (!events || !entry) return false;
        const attempts = entry.deliveries.filter((d) => d.subscription_id === subscriptionId);
        await events.deliveries.enqueue(
          [
            {
              subscription_id: subscriptionId,
              event: entry.event,
              attempt: Math.max(0, ...attempts.map((d) => d.attempt)) + 1,
              first_attempt_at: attempts[0]?.at ?? clock.now().toISOString(),
            },
          ],
          0,
        );
        return true;
      },
      openApi: async () =>
        (await import('../openapi.ts')).buildOpenApi({
          partner: config.auth.partnerScope,
          user: config.auth.userScope,
          operator: config.auth.operatorScope,
        }),
    });
    const gateway = await startGateway({
      port: options.port ?? 0,
      localRoutes,
      intercept: localConsole.handle,
      authorizer,
      handlerFor: async (route) => {
        const module = (await import(`../../functions/${route.operation}.ts`)) as {
          build: (adapters: Adapters) => LambdaHandler;
        };
        return module.build(adapters);
      },
      ...(options.log ? { log: options.log } : {}),
      ...(options.timeouts ? { timeouts: options.timeouts } : {}),
      ...(options.observe ? { observe: options.observe } : {}),
    });
    if (options.events !== false) events = startLocalEvents(adapters, dynamoEndpoint, feed);
    return {
      url: gateway.url,
      adapters,
      db,
      tableName: config.tableName,
      issuer,
      outbox,
      dynamoEndpoint,
      events,
      close: async () => {
        localConsole.close();
        await gateway.close();
        await events?.stop();
        db.destroy();
        await dynamo?.stop();
      },
    };
  } catch (error) {
    await dynamo?.stop();
    throw error;
  }
}
