import { afterAll, beforeAll, inject } from 'vitest';
import type { DevIssuer } from '../../shared/auth/dev-issuer.ts';
import type { Clock } from '../../shared/deps.ts';
import { type LocalService, startLocalService } from '../../shared/local/local-service.ts';
import type { OutboxEntry } from '../../shared/sms/outbox-sms-sender.ts';
import type { WebhookHttp } from '../../shared/webhooks/webhook-http.ts';
import { uniquePerson, uniqueTable } from './harness.ts';
import { answerChecker } from './openapi-answers.ts';

export { TestClock, uniquePerson } from './harness.ts';

/** What `GET /_local/person?id=` tells of one person: the stored mobile number, its pending code's attempts, today's charged checks. */
export interface PersonRecords {
  mobileNumber: Record<string, unknown> | null;
  pendingOtpAttempts: number | null;
  codeChecksCharged: number;
}

/**
 * What a client authenticates as: a partner (the default, so partner-route tests need not think about tokens),
 * customer support (an operator token), an end user (person id), a given token, or nothing. Partner, operator and
 * user tokens are minted by `issuer`.
 */
export type ClientAuth = 'partner' | 'operator' | 'none' | { user: string } | { token: string };

async function authorizationFor(auth: ClientAuth, issuer?: DevIssuer): Promise<Record<string, string>> {
  if (auth === 'none') return {};
  if (typeof auth === 'object' && 'token' in auth) return { authorization: `Bearer ${auth.token}` };
  if (!issuer) throw new Error('a partner, operator or user client needs the issuer that mints its tokens');
  const token = await issuer.mint(
    typeof auth === 'object' ? { kind: 'user', personId: auth.user } : { kind: auth },
  );
  return { authorization: `Bearer ${token}` };
}

/**
 * A small JSON client for a local server. Every call carries a fresh token (minted on the issuer's clock, so a test
 * that moves its clock never holds an expired one); an `authorization` header passed to a call wins.
 */
export function client(baseUrl: string, options: { auth?: ClientAuth; issuer?: DevIssuer } = {}) {
  const auth = options.auth ?? 'partner';
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(await authorizationFor(auth, options.issuer)),
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

export type Client = ReturnType<typeof client>;

export interface ServiceOptions {
  clock?: Clock;
  env?: Record<string, string>;
  webhookHttp?: WebhookHttp;
  /** Shorter function and integration timeouts than AWS's (shared/local/gateway.ts). */
  timeouts?: { functionMs?: number; integrationMs?: number };
}

type PublishedEntry = { event: { metadata: { type: string }; data: unknown } };

/**
 * The shared e2e fixture: the local service on the run's DynamoDB Local, in a fresh table, on a free port of
 * 127.0.0.1, observed only as a client would, through the HTTP API and the local-only `/_local/*` routes (never by
 * reading the table).
 */
export async function startService(options: ServiceOptions = {}) {
  // Every answer is checked against the OpenAPI document; close() fails the test file on a mismatch.
  const answers = answerChecker();
  const service: LocalService = await startLocalService({
    dynamoEndpoint: inject('dynamoEndpoint'),
    tableName: uniqueTable(),
    observe: answers.observe,
    ...options,
    // Most tests send many unconfirmed codes to one number range to test other rules; the prefix guard has its own
    // tests (fraud-guard.e2e.test.ts), which turn it on.
    env: { SMS_FRAUD_PROTECTION: 'off', ...options.env },
  });
  const url = service.url;
  const { issuer } = service;
  const local = async <T>(path: string) => (await (await fetch(`${url}/_local/${path}`)).json()) as T;
  const outbox = () => local<OutboxEntry[]>('sms');
  const events = () => local<PublishedEntry[]>('events');
  /** The OTP in the newest SMS to `number`, read from the local outbox as a person would read their phone. */
  const lastSms = async (number: string) => {
    const code = (await outbox())
      .filter((sms) => sms.to === number)
      .at(-1)
      ?.text.match(/\b(\d{6})\b/)?.[1];
    if (!code) throw new Error(`no OTP SMS to ${number}`);
    return code;
  };
  const partner = () => client(url, { issuer });
  const mobileNumberPath = (person: string, suffix = '') => `/v1/persons/${person}/mobile_number${suffix}`;
  return {
    service,
    url,
    /** The port the local gateway listens on (for raw HTTP clients that set their own Host or Expect headers). */
    port: Number(new URL(url).port),
    /** The development issuer whose tokens this service accepts (for tokens a test shapes itself). */
    issuer,
    /** A client with a fresh partner token on every call. */
    partner,
    /** A client with a fresh operator (customer support) token on every call. */
    operator: () => client(url, { auth: 'operator', issuer }),
    /** A client with a fresh end-user token for `personId` on every call. */
    user: (personId: string) => client(url, { auth: { user: personId }, issuer }),
    /** A client that sends no token. */
    anonymous: () => client(url, { auth: 'none' }),
    /** A client that sends `token` as its bearer. */
    withToken: (token: string) => client(url, { auth: { token } }),
    /** The OTP in the newest SMS to `number`, from the local outbox. */
    lastSms,
    /** Every SMS in the local outbox, oldest first. */
    outbox,
    /**
     * The first published event of `type` whose data matches, as the local event relay published it (fed from the
     * table's stream like EventBridge on AWS). Waits for the relay's next poll.
     */
    // biome-ignore lint/suspicious/noExplicitAny: event data is inspected field by field
    event: async (type: string, match: (data: any) => boolean = () => true) => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const hit = (await events())
          .map((entry) => entry.event)
          .find((e) => e.metadata.type === type && match(e.data));
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`no ${type} event published`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    /** Everything the local event relay has published so far. */
    events,
    /** What the service holds for one person, from the local-only inspection route. */
    person: (personId: string) => local<PersonRecords>(`person?id=${encodeURIComponent(personId)}`),
    /** A person with `number` created, authorized and confirmed through the partner API, as an app would. */
    createVerifiedNumber: async (number: string, person = uniquePerson()) => {
      const api = partner();
      const steps = [
        await api.post(mobileNumberPath(person), { number }),
        await api.post(mobileNumberPath(person, '/authorize'), { number }),
        await api.post(mobileNumberPath(person, '/confirm'), { number, token: await lastSms(number) }),
      ];
      const failed = steps.find((step) => step.status !== 201);
      if (failed) throw new Error(`verifying ${number} failed with ${failed.status}`);
      return { person, number, id: steps[0]!.body.id as string };
    },
    /**
     * Opens the removal of a person's verified number (a change request) and has its TAN sent to that number, as an
     * app would before asking the person for it. Returns the change request's path and the TAN.
     */
    openNumberRemoval: async (person: string, number: string) => {
      const api = partner();
      const opened = await api.delete(mobileNumberPath(person), { number });
      if (opened.status !== 202) throw new Error(`removing ${number} answered ${opened.status}, not 202`);
      const changeRequest = `/v1/change_requests/${opened.body.id}`;
      const sent = await api.post(`${changeRequest}/authorize`, {
        delivery_method: 'mobile_number',
        person_id: person,
      });
      if (sent.status !== 201) throw new Error(`sending the removal TAN answered ${sent.status}, not 201`);
      return { changeRequest, tan: await lastSms(number) };
    },
    /** The answers checked against the OpenAPI document so far. */
    answersChecked: () => answers.count,
    close: async () => {
      await service.close();
      const problems = await answers.problems();
      if (problems.length > 0) {
        throw new Error(`Answers that differ from the OpenAPI document:\n${problems.join('\n')}`);
      }
    },
  };
}

export type Fixture = Awaited<ReturnType<typeof startService>>;

/**
 * The service for one test file: started before its tests and closed after them. The handle can be held at module
 * level; its fields are there once the service has started, and `api`, a partner client, can be held at once.
 */
export function useService(options: ServiceOptions = {}): Fixture & { api: Client } {
  let started: Fixture | undefined;
  beforeAll(async () => {
    started = await startService(options);
  });
  afterAll(() => started?.close());
  const current = () => {
    if (!started) throw new Error('the service starts in beforeAll: use the fixture inside hooks and tests');
    return started;
  };
  const api: Client = {
    get: (...args) =>
      current()
        .partner()
        .get(...args),
    post: (...args) =>
      current()
        .partner()
        .post(...args),
    put: (...args) =>
      current()
        .partner()
        .put(...args),
    delete: (...args) =>
      current()
        .partner()
        .delete(...args),
    raw: (...args) =>
      current()
        .partner()
        .raw(...args),
  };
  return new Proxy({ api } as Fixture & { api: Client }, {
    get: (target, key) => (key === 'api' ? target.api : current()[key as keyof Fixture]),
  });
}
