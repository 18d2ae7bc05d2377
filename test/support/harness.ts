import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { type Adapters, compose } from '../../shared/compose.ts';
import { loadConfig } from '../../shared/config.ts';
import type { Clock } from '../../shared/deps.ts';
import { type LocalService, startLocalService } from '../../shared/local/local-service.ts';
import { OutboxSmsSender } from '../../shared/sms/outbox-sms-sender.ts';
import { createDocumentClient, ensureTable } from '../../shared/storage/dynamo.ts';
import type { SecretReader } from '../../shared/storage/secret-source.ts';
import type { WebhookHttp } from '../../shared/webhooks/webhook-http.ts';

/** A clock tests can move. */
export class TestClock implements Clock {
  constructor(private current = new Date('2026-11-22T10:00:00.000Z')) {}
  now() {
    return new Date(this.current);
  }
  advance(seconds: number) {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }
}

export const uniqueTable = () => `test-${randomUUID()}`;
export const uniquePerson = () => `person-${randomUUID().replaceAll('-', '')}`;

/**
 * The stores and ports on the run's DynamoDB Local, in a fresh table, with an outbox and an optional test clock,
 * composed by the same factories the functions use (for adapter and integration tests).
 */
export async function testRuntime(
  options: { clock?: Clock; env?: Record<string, string>; readSecret?: SecretReader } = {},
) {
  const env = {
    TABLE_NAME: uniqueTable(),
    DYNAMODB_ENDPOINT: inject('dynamoEndpoint'),
    OTP_PEPPER: 'test-pepper-test-pepper-test-pepper-0123',
    SMS_ADAPTER: 'outbox',
    SANDBOX_ENABLED: 'true',
    ...options.env,
  };
  const config = loadConfig(env);
  const clock = options.clock ?? { now: () => new Date() };
  const outbox = new OutboxSmsSender(() => clock.now());
  const db = createDocumentClient({ region: config.region, endpoint: config.dynamoEndpoint });
  await ensureTable(db, config.tableName);
  const adapters: Adapters = {
    env,
    db,
    clock,
    smsSender: outbox,
    ...(options.readSecret ? { readSecret: options.readSecret } : {}),
  };
  const runtime = {
    ...compose.myPhone(adapters),
    ...compose.webhooks(adapters),
    devices: compose.devices(adapters).devices,
    db,
    config,
  };
  return { runtime, outbox, adapters };
}

/** Test services by URL, so `client(service.url)` can mint tokens from that service's development issuer. */
const services = new Map<string, LocalService>();

/** The local server on the run's DynamoDB Local, on a free port of 127.0.0.1. */
export async function startTestService(
  options: { clock?: Clock; env?: Record<string, string>; webhookHttp?: WebhookHttp } = {},
): Promise<LocalService> {
  const service = await startLocalService({
    dynamoEndpoint: inject('dynamoEndpoint'),
    tableName: uniqueTable(),
    ...options,
  });
  services.set(service.url, service);
  return service;
}

/**
 * What the client authenticates as: a partner (the default, so partner-route tests need not think about tokens),
 * customer support (an operator token), an end user (person id), a given token, or nothing.
 */
export type ClientAuth = 'partner' | 'operator' | 'none' | { user: string } | { token: string };

async function authorizationFor(baseUrl: string, auth: ClientAuth): Promise<Record<string, string>> {
  if (auth === 'none') return {};
  if (typeof auth === 'object' && 'token' in auth) return { authorization: `Bearer ${auth.token}` };
  const service = services.get(baseUrl);
  if (!service) throw new Error(`${baseUrl} was not started with startTestService; pass {auth: {token}}`);
  const token = await service.issuer.mint(
    auth === 'partner'
      ? { kind: 'partner' }
      : auth === 'operator'
        ? { kind: 'operator' }
        : { kind: 'user', personId: auth.user },
  );
  return { authorization: `Bearer ${token}` };
}

/**
 * A small JSON client for the local server. Every call carries a fresh token (minted on the service's clock, so a
 * test that moves its clock never holds an expired one); an `authorization` header passed to a call wins.
 */
export function client(baseUrl: string, options: { auth?: ClientAuth } = {}) {
  const auth = options.auth ?? 'partner';
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(await authorizationFor(baseUrl, auth)),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected field by field
    const json: any = text ? JSON.parse(text) : undefined;
    return { status: response.status, headers: response.headers, body: json };
  };
  return {
    get: (path: string, headers?: Record<string, string>) => call('GET', path, undefined, headers),
    post: (path: string, body?: unknown, headers?: Record<string, string>) =>
      call('POST', path, body, headers),
    put: (path: string, body?: unknown, headers?: Record<string, string>) => call('PUT', path, body, headers),
    delete: (path: string, body?: unknown, headers?: Record<string, string>) =>
      call('DELETE', path, body, headers),
    raw: call,
  };
}

/** The OTP in the newest SMS to `to`, read from the local outbox as a person would read their phone. */
export async function latestOtp(baseUrl: string, to: string): Promise<string> {
  const response = await fetch(`${baseUrl}/_local/sms`);
  const messages = (await response.json()) as Array<{ to: string; text: string }>;
  const mine = messages.filter((m) => m.to === to);
  const text = mine.at(-1)?.text;
  const code = text?.match(/\b(\d{6})\b/)?.[1];
  if (!code) throw new Error(`no OTP SMS to ${to}`);
  return code;
}

/**
 * The first event of `type` whose data satisfies `match`, as the local event relay published it (`GET /_local/events`,
 * fed from the table's stream like EventBridge on AWS). Waits for the relay's next poll.
 */
// biome-ignore lint/suspicious/noExplicitAny: event data is inspected field by field
export async function publishedEvent(baseUrl: string, type: string, match: (data: any) => boolean) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const entries = (await (await fetch(`${baseUrl}/_local/events`)).json()) as Array<{
      event: { metadata: { type: string }; data: unknown };
    }>;
    const hit = entries.map((entry) => entry.event).find((e) => e.metadata.type === type && match(e.data));
    if (hit) return hit;
    if (Date.now() > deadline) throw new Error(`no ${type} event published`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
