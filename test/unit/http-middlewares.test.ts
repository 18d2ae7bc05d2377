import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { authSection } from '../../shared/config.ts';
import { DomainError, invalidTan, notFound } from '../../shared/errors.ts';
import { errorResponse, SECURITY_HEADERS } from '../../shared/http/error-mapping.ts';
import {
  authorizeCaller,
  claimIdempotencyKey,
  correlate,
  correlationIdOf,
  type HttpRequest,
  logRequest,
  MAX_BODY_BYTES,
  mapErrors,
  parseRequest,
  pipelineState,
  securityHeaders,
  validateInput,
} from '../../shared/http/middlewares.ts';
import type { IdempotencyStore, StoredAnswer } from '../../shared/idempotency/idempotency.ts';
import { logger, withInvocation } from '../../shared/logging.ts';
import { smsCountryNotAllowed } from '../../shared/sms/sms-countries.ts';
import * as z from '../../shared/zod.ts';

// Each step of the HTTP pipeline on its own: a middy request object in, what the step did to it out.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function event(overrides: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /things/{id}',
    rawPath: '/things/abc',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    pathParameters: { id: 'abc' },
    isBase64Encoded: false,
    requestContext: {
      http: { method: 'POST', path: '/things/abc' },
    } as APIGatewayProxyEventV2['requestContext'],
    ...overrides,
  };
}

function request(
  e: APIGatewayProxyEventV2 = event(),
  fields: { response?: APIGatewayProxyStructuredResultV2; error?: unknown } = {},
): HttpRequest {
  return {
    event: e,
    context: {} as Context,
    response: fields.response,
    error: fields.error,
    internal: {},
  } as HttpRequest;
}

type Hook = ((request: HttpRequest) => unknown) | undefined;
const run = async (hook: Hook, r: HttpRequest) => {
  expect(hook).toBeTypeOf('function');
  await hook!(r);
  return r;
};

afterEach(() => vi.restoreAllMocks());

describe('correlate', () => {
  it("takes the caller's X-Request-Id when it is a sane token, in any header case", () => {
    expect(correlationIdOf(event({ headers: { 'X-Request-Id': 'req-1.a:b_c' } }))).toBe('req-1.a:b_c');
    expect(correlationIdOf(event({ headers: { 'x-request-id': 'req-2' } }))).toBe('req-2');
  });

  it.each([
    ['a header injection', 'bad id\nX-Evil: 1'],
    ['a space', 'a b'],
    ['an empty value', ''],
    ['more than 128 characters', 'a'.repeat(129)],
  ])('replaces an X-Request-Id with %s by a new id', (_, id) => {
    const chosen = correlationIdOf(event({ headers: { 'x-request-id': id } }));
    expect(chosen).toMatch(UUID);
  });

  it("gives the request the invocation's correlation id", async () => {
    const r = request();
    await withInvocation('test-operation', 'req-42', () => run(correlate().before, r));
    expect(pipelineState(r.context).requestId).toBe('req-42');
  });

  it('gives a request outside an invocation a new id, a different one each time', async () => {
    const [a, b] = [request(), request()];
    await run(correlate().before, a);
    await run(correlate().before, b);
    expect(pipelineState(a.context).requestId).toMatch(UUID);
    expect(pipelineState(a.context).requestId).not.toBe(pipelineState(b.context).requestId);
  });
});

describe('securityHeaders', () => {
  it.each([
    'after',
    'onError',
  ] as const)('puts the security headers and the request id on the answer (%s)', async (hook) => {
    const r = request(event(), {
      response: {
        statusCode: 201,
        headers: { Location: '/things/abc', 'X-Request-Id': 'forged' },
        body: '{}',
      },
    });
    pipelineState(r.context).requestId = 'req-7';
    await run(securityHeaders()[hook], r);
    expect(r.response).toEqual({
      statusCode: 201,
      headers: { ...SECURITY_HEADERS, Location: '/things/abc', 'X-Request-Id': 'req-7' },
      body: '{}',
    });
  });
});

describe('logRequest', () => {
  it("logs a refusal at INFO with its error code, and neither the body nor the caller's headers", async () => {
    const info = vi.spyOn(logger, 'info');
    const e = event({ body: '{"number":"+4915112345678"}', headers: { authorization: 'Bearer secret' } });
    const r = request(e, { response: { statusCode: 404 }, error: notFound('No such thing.') });
    await run(logRequest().onError, r);
    expect(info).toHaveBeenCalledOnce();
    expect(info).toHaveBeenCalledWith('request', {
      status: 404,
      route_key: 'POST /things/{id}',
      method: 'POST',
      path: '/things/abc',
      error_code: 'model_not_found',
    });
    expect(JSON.stringify(info.mock.calls)).not.toMatch(/4915112345678|secret/);
  });

  it('logs a 5xx at ERROR and a success at INFO without an error code', async () => {
    const info = vi.spyOn(logger, 'info');
    const error = vi.spyOn(logger, 'error');
    await run(
      logRequest().onError,
      request(event(), { response: { statusCode: 500 }, error: new Error('x') }),
    );
    expect(error).toHaveBeenCalledWith('request', expect.objectContaining({ status: 500 }));
    await run(logRequest().after, request(event(), { response: { statusCode: 201 } }));
    expect(info).toHaveBeenCalledWith(
      'request',
      expect.not.objectContaining({ error_code: expect.anything() }),
    );
    expect(info.mock.calls[0]![1]).toMatchObject({ status: 201 });
  });
});

describe('mapErrors', () => {
  it("answers a domain error in the route's shape, with the request id", async () => {
    const r = request(event(), { error: notFound('No such thing.') });
    pipelineState(r.context).requestId = 'req-3';
    await run(mapErrors('solaris').onError, r);
    expect(r.response?.statusCode).toBe(404);
    expect(JSON.parse(r.response!.body!)).toEqual({
      errors: [
        {
          id: 'req-3',
          status: 404,
          code: 'model_not_found',
          title: 'Model Not Found',
          detail: 'No such thing.',
        },
      ],
    });
  });

  it('answers anything else with a generic 500 that says nothing of it, and logs it with its stack', async () => {
    const logged = vi.spyOn(logger, 'error');
    const r = request(event(), { error: new Error('database password is hunter2') });
    await run(mapErrors('zitadel').onError, r);
    expect(r.response?.statusCode).toBe(500);
    expect(r.response?.body).not.toContain('hunter2');
    expect(JSON.parse(r.response!.body!)).toMatchObject({
      code: 13,
      message: 'An unexpected error occurred.',
    });
    expect(logged).toHaveBeenCalledWith(
      'unhandled error',
      expect.objectContaining({ stack: expect.any(String) }),
    );
  });
});

describe('authorizeCaller', () => {
  const authConfig = authSection({ AUTH_ISSUER: 'iss' });
  const withClaims = (claims: Record<string, string> | null) =>
    event({
      requestContext: {
        http: { method: 'POST', path: '/things/abc' },
        ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {}),
      } as APIGatewayProxyEventV2['requestContext'],
    });

  it('hands the caller the token names on to the handler', async () => {
    const r = request(withClaims({ iss: 'iss', client_id: 'client-1', scope: 'phone-security/partner' }));
    await run(authorizeCaller('partner', authConfig).before, r);
    expect(pipelineState(r.context).caller).toEqual({ kind: 'partner', clientId: 'client-1' });
  });

  it('refuses a request without claims with 401 and a token of the wrong kind with 403', async () => {
    await expect(
      run(authorizeCaller('partner', authConfig).before, request(withClaims(null))),
    ).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    const user = withClaims({ iss: 'iss', sub: 'p1', scope: 'phone-security/user' });
    await expect(run(authorizeCaller('partner', authConfig).before, request(user))).rejects.toMatchObject({
      status: 403,
      code: 'insufficient_scope',
    });
  });
});

/** Idempotency claims in memory, with the same contract as the DynamoDB adapter. */
function memoryIdempotencyStore(): IdempotencyStore & { answers: Map<string, StoredAnswer> } {
  const claims = new Map<string, { fingerprint: string; answer?: StoredAnswer }>();
  const answers = new Map<string, StoredAnswer>();
  return {
    answers,
    claim: async (scope, key, fingerprint) => {
      const taken = claims.get(`${scope}/${key}`);
      if (taken) return { kind: 'taken', ...taken };
      claims.set(`${scope}/${key}`, { fingerprint });
      return { kind: 'claimed' };
    },
    complete: async (scope, key, fingerprint, answer) => {
      claims.set(`${scope}/${key}`, { fingerprint, answer });
      answers.set(`${scope}/${key}`, answer);
    },
    release: async (scope, key) => {
      claims.delete(`${scope}/${key}`);
    },
  };
}

describe('claimIdempotencyKey', () => {
  const partner = { requestId: 'req-1', caller: { kind: 'partner', clientId: 'client-1' } as const };
  const keyed = (method = 'POST') =>
    event({
      headers: { 'content-type': 'application/json', 'Idempotency-Key': 'key-1' },
      body: '{"name":"a"}',
      requestContext: { http: { method, path: '/things/abc' } } as APIGatewayProxyEventV2['requestContext'],
    });
  const created = async () => ({ statusCode: 201, headers: {}, body: '{"id":"abc"}' });

  it('runs a repeated partner write once and replays its answer', async () => {
    const idempotency = { store: memoryIdempotencyStore(), now: () => 0 };
    const work = vi.fn(created);
    await claimIdempotencyKey(idempotency, 'solaris', keyed(), partner, work);
    const replayed = await claimIdempotencyKey(idempotency, 'solaris', keyed(), partner, work);
    expect(work).toHaveBeenCalledOnce();
    expect(replayed).toMatchObject({ statusCode: 201, body: '{"id":"abc"}' });
    expect(replayed.headers).toMatchObject({ 'Idempotent-Replayed': 'true' });
  });

  it('stores a refusal inside the claim as the answer, in the route shape, and replays it', async () => {
    const idempotency = { store: memoryIdempotencyStore(), now: () => 0 };
    const refuse = vi.fn(async (): Promise<APIGatewayProxyStructuredResultV2> => {
      throw invalidTan();
    });
    const first = await claimIdempotencyKey(idempotency, 'solaris', keyed(), partner, refuse);
    expect(first).toEqual(errorResponse(invalidTan(), 'req-1', 'solaris'));
    const again = await claimIdempotencyKey(idempotency, 'solaris', keyed(), partner, refuse);
    expect(refuse).toHaveBeenCalledOnce();
    expect(again.statusCode).toBe(403);
    expect(idempotency.store.answers.size).toBe(1);
  });

  it('lets an unexpected error through and releases the claim, so a retry runs again', async () => {
    const idempotency = { store: memoryIdempotencyStore(), now: () => 0 };
    const crash = async (): Promise<APIGatewayProxyStructuredResultV2> => {
      throw new Error('down');
    };
    await expect(claimIdempotencyKey(idempotency, 'solaris', keyed(), partner, crash)).rejects.toThrow(
      'down',
    );
    const work = vi.fn(created);
    await claimIdempotencyKey(idempotency, 'solaris', keyed(), partner, work);
    expect(work).toHaveBeenCalledOnce();
  });

  it.each([
    ['without the header', event(), partner],
    ['for a GET', keyed('GET'), partner],
    ['for a user caller', keyed(), { requestId: 'r', caller: { kind: 'user', personId: 'p1' } as const }],
  ])('claims nothing %s: every request runs', async (_, e, state) => {
    const idempotency = { store: memoryIdempotencyStore(), now: () => 0 };
    const work = vi.fn(created);
    await claimIdempotencyKey(idempotency, 'solaris', e, state, work);
    await claimIdempotencyKey(idempotency, 'solaris', e, state, work);
    expect(work).toHaveBeenCalledTimes(2);
    expect(idempotency.store.answers.size).toBe(0);
  });

  it('claims nothing on a route without an idempotency store', async () => {
    const work = vi.fn(created);
    await claimIdempotencyKey(undefined, 'solaris', keyed(), partner, work);
    await claimIdempotencyKey(undefined, 'solaris', keyed(), partner, work);
    expect(work).toHaveBeenCalledTimes(2);
  });
});

describe('parseRequest', () => {
  it('reads a JSON body, plain or base64-encoded, and no body as undefined', () => {
    expect(parseRequest(event({ body: '{"a":1}' }))).toEqual({ a: 1 });
    expect(
      parseRequest(event({ body: Buffer.from('{"a":2}').toString('base64'), isBase64Encoded: true })),
    ).toEqual({
      a: 2,
    });
    expect(
      parseRequest(event({ headers: { 'content-type': 'application/json; charset=utf-8' }, body: '[]' })),
    ).toEqual([]);
    expect(parseRequest(event({ body: '' }))).toBeUndefined();
    expect(parseRequest(event())).toBeUndefined();
  });

  it.each([
    ['a body over the limit', event({ body: `"${'x'.repeat(MAX_BODY_BYTES)}"` }), 413, 'payload_too_large'],
    [
      'a body that is not application/json',
      event({ headers: { 'content-type': 'text/plain' }, body: '{}' }),
      415,
      'unsupported_media_type',
    ],
    ['a body without a content type', event({ headers: {}, body: '{}' }), 415, 'unsupported_media_type'],
    ['malformed JSON', event({ body: '{"a":' }), 400, 'validation_error'],
  ])('refuses %s', (_, e, status, code) => {
    expect(() => parseRequest(e)).toThrow(expect.objectContaining({ status, code }));
  });

  it('counts the limit in bytes, not characters', () => {
    const chars = Math.floor(MAX_BODY_BYTES / 2) + 1; // two bytes each in UTF-8
    expect(() => parseRequest(event({ body: `"${'é'.repeat(chars)}"` }))).toThrow(
      expect.objectContaining({ status: 413 }),
    );
  });
});

describe('validateInput', () => {
  const schemas = {
    params: z.object({ id: z.string().check(z.maxLength(3)) }),
    query: z.object({ page: z.optional(z.string()) }),
    body: z.object({ name: z.string() }),
  };

  it('answers path, query and body as their schemas output them', () => {
    const input = validateInput(
      schemas,
      event({ body: '{"name":"a","extra":1}', queryStringParameters: { page: '2' } }),
    );
    expect(input).toEqual({ params: { id: 'abc' }, query: { page: '2' }, body: { name: 'a' } });
  });

  it('checks the path before the body: a bad path with a malformed body is refused for its path', () => {
    const e = event({ pathParameters: { id: 'toolong' }, body: '{"name":' });
    expect(() => validateInput(schemas, e)).toThrow(
      expect.objectContaining({ status: 400, source: { field: 'path.id', message: expect.any(String) } }),
    );
  });

  it('checks the query before the body', () => {
    const e = event({ queryStringParameters: { page: ['x'] as unknown as string }, body: '{"name":' });
    expect(() => validateInput(schemas, e)).toThrow(
      expect.objectContaining({ source: expect.objectContaining({ field: 'query.page' }) }),
    );
  });

  it('names the first offending body field and validates a missing body as {}', () => {
    expect(() => validateInput(schemas, event({ body: '{"name":2}' }))).toThrow(
      expect.objectContaining({ message: 'name: Invalid input: expected string, received number' }),
    );
    expect(() => validateInput(schemas, event())).toThrow(
      expect.objectContaining({ source: expect.objectContaining({ field: 'name' }) }),
    );
  });

  it('refuses a body that is not JSON on a route that takes no body', () => {
    expect(validateInput({}, event())).toEqual({ params: undefined, query: undefined, body: undefined });
    expect(() => validateInput({}, event({ body: 'nope' }))).toThrow(
      expect.objectContaining({ status: 400 }),
    );
  });
});

describe('the end-user error table', () => {
  const answer = (error: DomainError, shape: 'zitadel' | 'connect') => {
    const response = errorResponse(error, 'req', shape);
    return { status: response.statusCode, body: JSON.parse(response.body!) };
  };

  it('answers a wrong code as Zitadel does: INVALID_ARGUMENT (400), where the partner API says 403', () => {
    expect(errorResponse(invalidTan(), 'req', 'solaris').statusCode).toBe(403);
    expect(answer(invalidTan(), 'zitadel')).toMatchObject({ status: 400, body: { code: 3 } });
    expect(answer(invalidTan(), 'connect')).toEqual({
      status: 400,
      body: { code: 'invalid_argument', message: invalidTan().message },
    });
  });

  it("answers a refused SMS country as FAILED_PRECONDITION with Zitadel's detail id", () => {
    const zitadel = answer(smsCountryNotAllowed('US'), 'zitadel');
    expect(zitadel).toMatchObject({ status: 400, body: { code: 9 } });
    expect(zitadel.body.details[0].id).toBe('SMS-COUNTRY-NOT-ALLOWED');
    expect(answer(smsCountryNotAllowed('US'), 'connect').body.code).toBe('failed_precondition');
  });

  it('answers a path without a route as not found on REST and unimplemented on Connect', () => {
    const missing = new DomainError(404, 'route_not_found', 'Not Found', 'No route.');
    expect(answer(missing, 'zitadel')).toMatchObject({ status: 404, body: { code: 5 } });
    expect(answer(missing, 'connect')).toMatchObject({ status: 501, body: { code: 'unimplemented' } });
  });

  it('maps errors the table does not name by their HTTP status, and an unknown status to UNKNOWN', () => {
    const limited = new DomainError(429, 'too_many_requests', 'Too Many Requests', 'Later.');
    expect(answer(limited, 'zitadel')).toMatchObject({ status: 429, body: { code: 8 } });
    expect(answer(limited, 'connect')).toMatchObject({ status: 429, body: { code: 'resource_exhausted' } });
    const odd = new DomainError(418, 'teapot', 'Teapot', 'No.');
    expect(answer(odd, 'zitadel')).toMatchObject({ status: 418, body: { code: 2 } });
    expect(answer(odd, 'connect')).toMatchObject({ status: 500, body: { code: 'unknown' } });
  });
});
