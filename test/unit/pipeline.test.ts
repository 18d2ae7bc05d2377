import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { notFound } from '../../shared/http/errors.ts';
import { httpRoute, MAX_BODY_BYTES } from '../../shared/http/pipeline.ts';

const handler = httpRoute(
  'test-operation',
  {
    params: z.object({ id: z.string().max(5) }),
    body: z.strictObject({ name: z.string(), count: z.number().int() }),
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

  it('hides unexpected errors behind a generic 500', async () => {
    const result = await invoke(event('{"name":"a","count":2}', {}, 'boom'));
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('hunter2');
    expect(result.json.errors[0].code).toBe('internal_server_error');
  });
});
