import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { authSection } from '../../shared/config.ts';
import {
  ANSWER_MARGIN_MS,
  OUT_OF_TIME_RETRY_AFTER_SECONDS,
  requireTimeFor,
  timeLeftMs,
} from '../../shared/deadline.ts';
import { notFound } from '../../shared/http/errors.ts';
import { httpRoute, MAX_BODY_BYTES } from '../../shared/http/pipeline.ts';
import * as z from '../../shared/zod.ts';

// The token settings the pipeline checks callers against; nothing here touches DynamoDB.
const authConfig = authSection({ AUTH_ISSUER: 'iss' });

/** Claims as API Gateway's JWT authorizer passes them for a partner's client-credentials token. */
const PARTNER_CLAIMS = {
  iss: 'iss',
  sub: 'client-1',
  client_id: 'client-1',
  scope: 'phone-security/partner',
};

const handler = httpRoute(
  'test-operation',
  {
    authConfig,
    params: z.object({ id: z.string().check(z.maxLength(5)) }),
    body: z.strictObject({ name: z.string(), count: z.number().check(z.int()) }),
  },
  async ({ params, body }) => {
    if (params.id === 'gone') throw notFound('No such thing.');
    if (params.id === 'boom') throw new Error('database password is hunter2');
    return { status: 201, body: { id: params.id, ...body } };
  },
);

function event(
  body: string | undefined,
  headers: Record<string, string> = {},
  id = 'abc',
  claims: Record<string, string> | null = PARTNER_CLAIMS,
): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /things/{id}',
    rawPath: `/things/${id}`,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...headers },
    pathParameters: { id },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: false,
    requestContext: {
      http: { method: 'POST', path: `/things/${id}` },
      ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {}),
    } as APIGatewayProxyEventV2['requestContext'],
  };
}

async function invoke(e: APIGatewayProxyEventV2) {
  const result = (await handler(e, {} as Context)) as APIGatewayProxyStructuredResultV2;
  return { ...result, json: result.body ? JSON.parse(result.body) : undefined };
}

describe('HTTP pipeline', () => {
  it('passes valid input and sets security headers and a request id', async () => {
    const result = await invoke(event('{"name":"a","count":2}'));
    expect(result.statusCode).toBe(201);
    expect(result.json).toEqual({ id: 'abc', name: 'a', count: 2 });
    expect(result.headers?.['Cache-Control']).toBe('no-store');
    expect(result.headers?.['X-Request-Id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('echoes a well-formed X-Request-Id and replaces a malformed one', async () => {
    const echoed = await invoke(event('{"name":"a","count":2}', { 'X-Request-Id': 'req-123' }));
    expect(echoed.headers?.['X-Request-Id']).toBe('req-123');
    const bad = await invoke(event('{"name":"a","count":2}', { 'x-request-id': 'bad id\nX-Evil: 1' }));
    expect(bad.headers?.['X-Request-Id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    ['malformed JSON', event('{"name":'), 400, 'validation_error'],
    [
      'a wrong content type',
      event('name=a', { 'content-type': 'application/x-www-form-urlencoded' }),
      415,
      'unsupported_media_type',
    ],
    [
      'an oversized body',
      event(JSON.stringify({ name: 'x'.repeat(MAX_BODY_BYTES), count: 1 })),
      413,
      'payload_too_large',
    ],
    ['a field of the wrong type', event('{"name":"a","count":"2"}'), 400, 'validation_error'],
    ['an unknown field', event('{"name":"a","count":2,"admin":true}'), 400, 'validation_error'],
    ['a missing body', event(undefined), 400, 'validation_error'],
    ['a JSON array body', event('[1,2]'), 400, 'validation_error'],
    ['a bad path parameter', event('{"name":"a","count":2}', {}, 'toolong'), 400, 'validation_error'],
    ['a domain error', event('{"name":"a","count":2}', {}, 'gone'), 404, 'model_not_found'],
  ])('answers %s with the Solaris error shape', async (_, e, status, code) => {
    const result = await invoke(e);
    expect(result.statusCode).toBe(status);
    expect(result.headers?.['Cache-Control']).toBe('no-store');
    const [error] = result.json.errors;
    expect(error).toMatchObject({ status, code, id: result.headers?.['X-Request-Id'] });
    expect(typeof error.title).toBe('string');
    expect(typeof error.detail).toBe('string');
  });

  it('names the offending field in source', async () => {
    const result = await invoke(event('{"name":"a","count":1.5}'));
    expect(result.json.errors[0].source).toEqual({ field: 'count', message: expect.any(String) });
  });

  it.each([
    ['{"name":"a","count":"2"}', 'count', 'Invalid input: expected number, received string'],
    ['{"name":"a","count":1.5}', 'count', 'Invalid input: expected int, received number'],
    ['{"count":2}', 'name', 'Invalid input: expected string, received undefined'],
    ['{"name":"a","count":2,"admin":true}', '', 'Unrecognized key: "admin"'],
  ])('reports zod issue messages in English (zod/mini loads no locale by itself): %s', async (body, field, message) => {
    const result = await invoke(event(body));
    expect(result.json.errors[0].source).toEqual({ field, message });
    expect(result.json.errors[0].detail).toBe(`${field}: ${message}`);
  });

  it('reports zod issue messages in English for path parameters too', async () => {
    const result = await invoke(event('{"name":"a","count":2}', {}, 'toolong'));
    expect(result.json.errors[0].source).toEqual({
      field: 'path.id',
      message: 'Too big: expected string to have <=5 characters',
    });
  });

  it('hides unexpected errors behind a generic 500', async () => {
    const result = await invoke(event('{"name":"a","count":2}', {}, 'boom'));
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('hunter2');
    expect(result.json.errors[0].code).toBe('internal_server_error');
  });

  it('refuses an event without authorizer claims (a route deployed without its authorizer) with 401', async () => {
    const result = await invoke(event('{"name":"a","count":2}', {}, 'abc', null));
    expect(result.statusCode).toBe(401);
    expect(result.headers?.['WWW-Authenticate']).toBe('Bearer realm="phone-security"');
    expect(result.json.errors[0].code).toBe('unauthorized');
  });

  it('refuses claims from another issuer with 401, before looking at the input', async () => {
    const result = await invoke(event('not json', {}, 'abc', { ...PARTNER_CLAIMS, iss: 'other' }));
    expect(result.statusCode).toBe(401);
  });

  it.each([
    ['no scope', { iss: 'iss', sub: 'p1' }],
    ['the user scope', { iss: 'iss', sub: 'p1', scope: 'phone-security/user' }],
    ['the operator scope', { iss: 'iss', sub: 'support-1', scope: 'phone-security/operator' }],
    [
      'a scope that only contains the partner scope as a prefix',
      { iss: 'iss', scope: 'phone-security/partnerx' },
    ],
  ])('refuses a token with %s on a partner route with 403', async (_, claims) => {
    const result = await invoke(event('{"name":"a","count":2}', {}, 'abc', claims));
    expect(result.statusCode).toBe(403);
    expect(result.json.errors[0].code).toBe('insufficient_scope');
  });

  it('refuses a token with both the partner and the user scope with 403, as the end-user API does', async () => {
    const claims = { ...PARTNER_CLAIMS, scope: 'phone-security/partner phone-security/user' };
    const result = await invoke(event('{"name":"a","count":2}', {}, 'abc', claims));
    expect(result.statusCode).toBe(403);
    expect(result.json.errors[0].code).toBe('insufficient_scope');
    expect(result.json.errors[0].detail).toMatch(/not several/);
  });

  it('reads scopes in the bracketed form API Gateway gives arrays', async () => {
    const claims = { iss: 'iss', scp: '[openid phone-security/partner]' };
    expect((await invoke(event('{"name":"a","count":2}', {}, 'abc', claims))).statusCode).toBe(201);
  });
});

describe('user operations', () => {
  const whoAmI = httpRoute('test-user-operation', { auth: 'user', authConfig }, async ({ caller }) => ({
    status: 200,
    body: caller,
  }));
  /** The token's payload as sent (the Authorization header) and as API Gateway flattens it (the claims). */
  const call = async (payload: Record<string, unknown>, headers?: Record<string, string>) => {
    const claims = Object.fromEntries(Object.entries(payload).map(([name, value]) => [name, String(value)]));
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const authorization = `Bearer ${b64({ alg: 'RS256' })}.${b64(payload)}.c2lnbmF0dXJl`;
    const e = event(undefined, headers ?? { authorization }, 'abc', claims);
    const result = (await whoAmI(e, {} as Context)) as APIGatewayProxyStructuredResultV2;
    return { status: result.statusCode, json: result.body ? JSON.parse(result.body) : undefined };
  };

  it('take the person from the subject', async () => {
    const result = await call({ iss: 'iss', sub: 'person-1', scope: 'openid phone-security/user' });
    expect(result).toEqual({ status: 200, json: { kind: 'user', personId: 'person-1' } });
  });

  it('take a subject of digits when the token holds it as a string (Zitadel user ids look like that)', async () => {
    const result = await call({ iss: 'iss', sub: '69629023906488334', scope: 'phone-security/user' });
    expect(result).toEqual({ status: 200, json: { kind: 'user', personId: '69629023906488334' } });
  });

  it('refuse a numeric subject, which API Gateway would hand on as the string "12345"', async () => {
    const result = await call({ iss: 'iss', sub: 12345, scope: 'phone-security/user' });
    expect(result.status).toBe(403);
    expect(result.json.errors[0]).toMatchObject({
      code: 'insufficient_scope',
      detail: "The token's sub claim is not a person id.",
    });
  });

  it('refuse claims whose token is not in the Authorization header to be checked', async () => {
    const claims = { iss: 'iss', sub: 'person-1', scope: 'phone-security/user' };
    expect((await call(claims, {})).status).toBe(403);
    expect((await call(claims, { authorization: 'Bearer not-a-jwt' })).status).toBe(403);
  });

  it.each([
    ['a partner token', { iss: 'iss', sub: 'c', scope: 'phone-security/partner' }],
    ['an operator token', { iss: 'iss', sub: 'c', scope: 'phone-security/operator' }],
    [
      'a token with both scopes',
      { iss: 'iss', sub: 'c', scope: 'phone-security/user phone-security/partner' },
    ],
    ['a malformed subject', { iss: 'iss', sub: '../other', scope: 'phone-security/user' }],
    ['an empty subject', { iss: 'iss', sub: '', scope: 'phone-security/user' }],
    ['a subject that is an object', { iss: 'iss', sub: { id: 'p1' }, scope: 'phone-security/user' }],
    ['no subject', { iss: 'iss', scope: 'phone-security/user' }],
  ])('refuse %s with 403', async (_, claims) => {
    expect((await call(claims)).status).toBe(403);
  });
});

describe('operator operations', () => {
  const whoAmI = httpRoute(
    'test-operator-operation',
    { auth: 'operator', authConfig },
    async ({ caller }) => ({
      status: 200,
      body: caller,
    }),
  );
  const call = async (claims: Record<string, string>) => {
    const result = (await whoAmI(
      event(undefined, {}, 'abc', claims),
      {} as Context,
    )) as APIGatewayProxyStructuredResultV2;
    return { status: result.statusCode, json: result.body ? JSON.parse(result.body) : undefined };
  };

  it('take the operator from the client of a client-credentials token', async () => {
    const result = await call({
      iss: 'iss',
      sub: 'support-1',
      client_id: 'support-1',
      scope: 'phone-security/operator',
    });
    expect(result).toEqual({ status: 200, json: { kind: 'operator', operatorId: 'support-1' } });
  });

  it('name the signed-in agent besides the client when the subject is another', async () => {
    const result = await call({
      iss: 'iss',
      sub: 'agent-7',
      client_id: 'support-app',
      scope: 'phone-security/operator',
    });
    expect(result).toEqual({ status: 200, json: { kind: 'operator', operatorId: 'support-app/agent-7' } });
  });

  it.each([
    ['a partner token', { iss: 'iss', sub: 'c', client_id: 'c', scope: 'phone-security/partner' }],
    ['a user token', { iss: 'iss', sub: 'person-1', scope: 'phone-security/user' }],
    [
      'a token with the operator and partner scopes',
      { iss: 'iss', sub: 'c', scope: 'phone-security/operator phone-security/partner' },
    ],
    [
      'a token with the operator and user scopes',
      { iss: 'iss', sub: 'c', scope: 'phone-security/operator phone-security/user' },
    ],
    ['no scope', { iss: 'iss', sub: 'c' }],
  ])('refuse %s with 403', async (_, claims) => {
    const result = await call(claims);
    expect(result.status).toBe(403);
    expect(result.json.errors[0].code).toBe('insufficient_scope');
  });
});

describe('Idempotency-Key claims follow the route table', () => {
  const idempotency = {
    store: {} as never,
    now: () => 0,
  };
  const ok = async () => ({ status: 200 });

  it('refuses to build a partner write route without a claim store', () => {
    expect(() => httpRoute('authorize-mobile-number', { authConfig }, ok)).toThrow(/takes Idempotency-Key/);
  });

  it('refuses to build a claim store into a route that takes no key', () => {
    expect(() => httpRoute('create-webhook', { authConfig, idempotency }, ok)).toThrow(
      /takes no Idempotency-Key/,
    );
    expect(() => httpRoute('get-mobile-number', { authConfig, idempotency }, ok)).toThrow(
      /takes no Idempotency-Key/,
    );
  });

  it('builds a route that agrees with the table', () => {
    expect(httpRoute('authorize-mobile-number', { authConfig, idempotency }, ok)).toBeTypeOf('function');
    expect(httpRoute('create-webhook', { authConfig }, ok)).toBeTypeOf('function');
  });
});

describe('the Lambda pipeline near its timeout', () => {
  const lambdaContext = (remainingMs: number) => {
    const started = Date.now();
    return { getRemainingTimeInMillis: () => remainingMs - (Date.now() - started) } as Context;
  };
  const seen: Array<number> = [];
  const slow = httpRoute('test-slow-operation', { authConfig }, async () => {
    seen.push(timeLeftMs());
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    return { status: 200, body: {} };
  });
  const fast = httpRoute('test-sms-operation', { authConfig }, async () => {
    requireTimeFor(2_000, 'send the SMS');
    return { status: 200, body: { sent: true } };
  });

  it('answers 503 with Retry-After before the function is killed, not 500', async () => {
    const result = (await slow(
      event(undefined),
      lambdaContext(ANSWER_MARGIN_MS + 50),
    )) as APIGatewayProxyStructuredResultV2;
    expect(result.statusCode).toBe(503);
    expect(result.headers?.['Retry-After']).toBe(String(OUT_OF_TIME_RETRY_AFTER_SECONDS));
    expect(JSON.parse(result.body!).errors[0]).toMatchObject({ status: 503, code: 'out_of_time' });
    // The use case saw the deadline: the function's remaining time less the answer margin.
    expect(seen[0]).toBeLessThanOrEqual(50);
  });

  it('lets a use case refuse a side effect it has no time to finish, and allows it with time enough', async () => {
    const refused = (await fast(event(undefined), lambdaContext(2_000))) as APIGatewayProxyStructuredResultV2;
    expect(refused.statusCode).toBe(503);
    expect(JSON.parse(refused.body!).errors[0].detail).toMatch(/nothing was sent/);
    const allowed = (await fast(
      event(undefined),
      lambdaContext(10_000),
    )) as APIGatewayProxyStructuredResultV2;
    expect(allowed.statusCode).toBe(200);
  });
});
