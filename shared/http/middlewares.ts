/**
 * The named steps of the HTTP pipeline (shared/http/pipeline.ts puts them together). Each one holds one rule and can
 * be run and tested on its own:
 *
 * 1. `correlate`: the request's correlation id.
 * 2. `securityHeaders`: the security headers and `X-Request-Id` on every answer.
 * 3. `logRequest`: one log line per request (never the body or `device_data`).
 * 4. `mapErrors(shape)`: errors become the route's error shape; anything but a domain error a generic 500.
 * 5. `authorizeCaller(kind, config)`: the token's caller, checked before any input is looked at.
 * 6. `claimIdempotencyKey(...)`: partner writes with an Idempotency-Key run at most once (shared/idempotency/).
 * 7. `parseRequest` and `validateInput(schemas, event)`: the body read as JSON, path, query and body validated.
 *
 * 1 to 5 are middy middlewares. 6 and 7 run inside the handler, in that order: the claim covers parsing and
 * validation, so a refused request's answer is stored under its key and replayed like any other.
 */
import { randomUUID } from 'node:crypto';
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { type Caller, establishCaller } from '../auth/caller.ts';
import type { AuthConfig } from '../config.ts';
import { badRequest, DomainError } from '../errors.ts';
import { IDEMPOTENCY_HEADER, type IdempotencyStore, idempotent } from '../idempotency/idempotency.ts';
import { currentInvocation, errorFields, logger } from '../logging.ts';
import type { AuthKind, ErrorShape } from '../routes.ts';
import { loggableStack } from '../source-stack.ts';
import type { RouteSchemas } from '../validation.ts';
import type { output, ZodMiniType as ZodType } from '../zod.ts';
import { errorResponse, SECURITY_HEADERS } from './error-mapping.ts';

type Event = APIGatewayProxyEventV2;
type Result = APIGatewayProxyStructuredResultV2;
export type HttpRequest = middy.Request<Event, Result>;
export type HttpMiddleware = middy.MiddlewareObj<Event, Result>;

/** Request bodies above this size are refused before parsing (413). */
export const MAX_BODY_BYTES = 16 * 1024;

/** A well-formed X-Request-Id: a token that is safe in headers and logs. */
export const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** What the middlewares hand on to each other and to the handler, kept on the Lambda context. */
export interface PipelineState {
  requestId: string;
  caller?: Caller;
}

const stateKey = Symbol('pipeline');
type StatefulContext = Context & { [stateKey]?: PipelineState };

/** The request's pipeline state; a request that never passed `correlate` gets a fresh correlation id. */
export function pipelineState(context: Context): PipelineState {
  const stateful = context as StatefulContext;
  stateful[stateKey] ??= { requestId: randomUUID() };
  return stateful[stateKey];
}

export function header(event: Event, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/** The correlation id of a request: the caller's X-Request-Id when it is a sane token, else a new one. */
export function correlationIdOf(event: Event): string {
  const incoming = header(event, 'x-request-id');
  return incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * 1. The request carries the invocation's correlation id (shared/logging.ts `withInvocation`, which the pipeline
 * runs each request in), so every log line, metric and answer of the request names the same id.
 */
export const correlate = (): HttpMiddleware => ({
  before: (request) => {
    pipelineState(request.context).requestId = currentInvocation()?.correlationId ?? randomUUID();
  },
});

/** 2. Every answer, an error or not, carries the security headers and the request's correlation id. */
export const securityHeaders = (): HttpMiddleware => {
  const add = (request: HttpRequest) => {
    const response = request.response;
    if (!response) return;
    response.headers = {
      ...SECURITY_HEADERS,
      ...response.headers,
      'X-Request-Id': pipelineState(request.context).requestId,
    };
  };
  return { after: add, onError: add };
};

/**
 * 3. One line per request: status, route and path, and the error code of a refusal. A refused request is the
 * caller's business (INFO); a 5xx is ours (ERROR, logged in detail where it arose). Bodies are never logged.
 */
export const logRequest = (): HttpMiddleware => {
  const log = (request: HttpRequest) => {
    const status = request.response?.statusCode ?? 200;
    const line = {
      status,
      route_key: request.event.routeKey,
      method: request.event.requestContext?.http?.method,
      path: request.event.rawPath,
      ...(request.error instanceof DomainError ? { error_code: request.error.code } : {}),
    };
    if (status >= 500) logger.error('request', line);
    else logger.info('request', line);
  };
  return { after: log, onError: log };
};

const internalError = () =>
  new DomainError(500, 'internal_server_error', 'Internal Server Error', 'An unexpected error occurred.');

/**
 * 4. A domain error is answered as it is, in the route's error shape; anything else is logged with its stack and
 * answered as a generic 500 that says nothing about it.
 */
export const mapErrors = (shape: ErrorShape): HttpMiddleware => ({
  onError: (request) => {
    const { requestId } = pipelineState(request.context);
    const error = request.error;
    if (error instanceof DomainError) {
      request.response = errorResponse(error, requestId, shape);
      return;
    }
    logger.error('unhandled error', {
      status: 500,
      error: errorFields(error),
      ...(error instanceof Error && error.stack ? { stack: loggableStack(error) } : {}),
    });
    request.response = errorResponse(internalError(), requestId, shape);
  },
});

/**
 * 5. The caller the token names, for the route's kind of caller (shared/auth/caller.ts); a request without one is
 * refused here, before its input is looked at, so an anonymous request learns nothing about validation rules or
 * resources.
 */
export const authorizeCaller = (kind: AuthKind, authConfig: AuthConfig): HttpMiddleware => ({
  before: (request) => {
    pipelineState(request.context).caller = establishCaller(request.event, kind, authConfig);
  },
});

/** Where a route keeps its Idempotency-Key claims and answers, and its clock. */
export interface IdempotencySpec {
  store: IdempotencyStore;
  now: () => number;
}

/**
 * 6. A partner POST, PUT or DELETE that sends an Idempotency-Key runs `run` at most once per key
 * (shared/idempotency/idempotency.ts); anything else runs it as it is. Inside the claim a domain error becomes the
 * answer, so a 4xx is stored like a 2xx; what is unexpected releases the claim.
 */
export function claimIdempotencyKey(
  idempotency: IdempotencySpec | undefined,
  shape: ErrorShape,
  event: Event,
  state: { requestId: string; caller: Caller },
  run: () => Promise<Result>,
): Promise<Result> {
  const key = header(event, IDEMPOTENCY_HEADER);
  const method = event.requestContext?.http?.method;
  if (key === undefined || !idempotency || state.caller.kind !== 'partner' || method === 'GET') return run();
  return idempotent(idempotency.store, idempotency.now, state.caller.clientId, key, event, () =>
    run().catch((error: unknown) => {
      if (error instanceof DomainError) return errorResponse(error, state.requestId, shape);
      throw error;
    }),
  );
}

/**
 * 7a. The request body as JSON: at most `MAX_BODY_BYTES` (413), sent as application/json (415), well-formed (400).
 * No body is `undefined`.
 */
export function parseRequest(event: Event): unknown {
  const raw = event.body;
  if (raw === undefined || raw === null || raw === '') return undefined;
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) {
    throw new DomainError(
      413,
      'payload_too_large',
      'Payload Too Large',
      `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`,
    );
  }
  const contentType = header(event, 'content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(contentType.trim())) {
    throw new DomainError(
      415,
      'unsupported_media_type',
      'Unsupported Media Type',
      'Request bodies must be sent as application/json.',
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('The request body is not valid JSON.', { field: 'body', message: 'malformed JSON' });
  }
}

type Out<T> = T extends ZodType ? output<T> : undefined;

export interface ValidInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
}

function fieldPath(prefix: string, path: ReadonlyArray<PropertyKey>): string {
  return [prefix, ...path.map(String)].filter(Boolean).join('.');
}

/** One value against its schema; the first issue is the 400's detail and `source` (field and message). */
function validate<T extends ZodType>(schema: T, value: unknown, prefix: string): output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = fieldPath(prefix, issue.path);
  throw badRequest(`${field || prefix}: ${issue.message}`, {
    field: field || prefix,
    message: issue.message,
  });
}

/**
 * 7b. Path parameters, then query, then body (read by `parseRequest`), each against the route's schema; the first
 * that fails is the 400. A route without a body schema still refuses a body that is not JSON.
 */
export function validateInput<P extends ZodType, Q extends ZodType, B extends ZodType>(
  schemas: RouteSchemas<P, Q, B>,
  event: Event,
): ValidInput<Out<P>, Out<Q>, Out<B>> {
  const params = schemas.params ? validate(schemas.params, event.pathParameters ?? {}, 'path') : undefined;
  const query = schemas.query
    ? validate(schemas.query, event.queryStringParameters ?? {}, 'query')
    : undefined;
  let body: unknown;
  if (schemas.body) {
    body = validate(schemas.body, parseRequest(event) ?? {}, '');
  } else if (event.body) {
    parseRequest(event);
  }
  return { params: params as Out<P>, query: query as Out<Q>, body: body as Out<B> };
}
