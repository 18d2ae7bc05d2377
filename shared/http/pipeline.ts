import { randomUUID } from 'node:crypto';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { type Caller, establishCaller } from '../auth/caller.ts';
import type { AuthConfig } from '../config.ts';
import { IDEMPOTENCY_HEADER, type IdempotencyStore, idempotent } from '../idempotency/idempotency.ts';
import { currentInvocation, errorFields, logger, withInvocation } from '../logging.ts';
import { type AuthKind, authOf, type ErrorShape, errorShapeOf, ROUTES } from '../routes.ts';
import type { output, ZodMiniType as ZodType } from '../zod.ts';
import { badRequest, DomainError } from './errors.ts';

/** Request bodies above this size are refused before parsing (413). */
export const MAX_BODY_BYTES = 16 * 1024;

export interface HttpResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  requestId: string;
  event: APIGatewayProxyEventV2;
  /** The caller the token names; on user routes the person id comes from here, never from the request. */
  caller: Caller;
}

export interface RouteSpec<P extends ZodType, Q extends ZodType, B extends ZodType> {
  params?: P;
  query?: Q;
  body?: B;
  /** Only for operations outside the route table (tests); table routes take their kind from the table. */
  auth?: AuthKind;
  /** The token settings callers are checked against (the function's auth configuration section). */
  authConfig: AuthConfig;
  /** Partner write routes: where Idempotency-Key claims and answers are kept (shared/idempotency/). */
  idempotency?: { store: IdempotencyStore; now: () => number };
}

type Out<T> = T extends ZodType ? output<T> : undefined;

/** The shape every partner API error takes (Solaris error shape). */
export interface ErrorBody {
  errors: Array<{
    id: string;
    status: number;
    code: string;
    title: string;
    detail: string;
    source?: { field: string; message: string };
  }>;
}

const SECURITY_HEADERS: Record<string, string> = {
  'Cache-Control': 'no-store',
  'Content-Type': 'application/json',
  'X-Content-Type-Options': 'nosniff',
  'Strict-Transport-Security': 'max-age=63072000; includeSubDomains',
};

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

interface PipelineState {
  requestId: string;
  startedAt: number;
}

const stateKey = Symbol('pipeline');
type StatefulContext = Context & { [stateKey]?: PipelineState };

function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

function fieldPath(prefix: string, path: ReadonlyArray<PropertyKey>): string {
  return [prefix, ...path.map(String)].filter(Boolean).join('.');
}

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

function parseBody(event: APIGatewayProxyEventV2): unknown {
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

/** The end-user API's error shape (gRPC gateway, as Zitadel answers). */
export interface GrpcErrorBody {
  code: number;
  message: string;
  details: Array<{ '@type': string; id: string; message: string }>;
}

export const ZITADEL_ERROR_DETAIL = 'type.googleapis.com/zitadel.v1.ErrorDetail';

/** gRPC codes by HTTP status, for errors that do not name their own (the inverse of grpc-gateway's mapping). */
const GRPC_BY_STATUS: Record<number, number> = {
  400: 3,
  401: 16,
  403: 7,
  404: 5,
  405: 12,
  409: 10,
  413: 3,
  415: 3,
  422: 9,
  429: 8,
  500: 13,
  502: 14,
};

/**
 * Domain error codes whose Zitadel answer differs from what their HTTP status alone would give, as data:
 * - `invalid_tan`: Zitadel answers a wrong verification code with INVALID_ARGUMENT (400), not with a 403 as Solaris
 *   does for a TAN; the end-user API follows Zitadel.
 * - `mobile_number_exists`: ALREADY_EXISTS (6).
 * - `sms_country_not_allowed`: FAILED_PRECONDITION (9), which is HTTP 400 in grpc-gateway's mapping; the partner API
 *   answers 422.
 */
export const ZITADEL_ERRORS: Readonly<Record<string, { code: number; status: number }>> = {
  invalid_tan: { code: 3, status: 400 },
  mobile_number_exists: { code: 6, status: 409 },
  sms_country_not_allowed: { code: 9, status: 400 },
};

function grpcStatus(error: DomainError): { code: number; status: number } {
  return (
    ZITADEL_ERRORS[error.code] ?? {
      code: error.grpcCode ?? GRPC_BY_STATUS[error.status] ?? 2,
      status: error.status,
    }
  );
}

/**
 * Connect's names and HTTP statuses of the gRPC codes (connectrpc.com/docs/protocol, "Error Codes", as updated in
 * connectrpc/connectrpc.com#130), by number. A
 * path without a route is `unimplemented`, as a Connect server answers for a procedure it does not serve.
 */
const CONNECT_CODES: Record<number, [name: string, status: number]> = {
  1: ['canceled', 499],
  2: ['unknown', 500],
  3: ['invalid_argument', 400],
  4: ['deadline_exceeded', 504],
  5: ['not_found', 404],
  6: ['already_exists', 409],
  7: ['permission_denied', 403],
  8: ['resource_exhausted', 429],
  9: ['failed_precondition', 400],
  10: ['aborted', 409],
  11: ['out_of_range', 400],
  12: ['unimplemented', 501],
  13: ['internal', 500],
  14: ['unavailable', 503],
  15: ['data_loss', 500],
  16: ['unauthenticated', 401],
};

export function errorResponse(
  error: DomainError,
  requestId: string,
  shape: ErrorShape = 'solaris',
): APIGatewayProxyStructuredResultV2 {
  const headers = { ...SECURITY_HEADERS, ...error.headers, 'X-Request-Id': requestId };
  if (shape === 'connect') {
    const grpc = error.code === 'route_not_found' ? 12 : grpcStatus(error).code;
    const [code, status] = CONNECT_CODES[grpc] ?? ['unknown', 500];
    return { statusCode: status, headers, body: JSON.stringify({ code, message: error.message }) };
  }
  if (shape === 'zitadel') {
    const { code, status } = grpcStatus(error);
    // As Zitadel answers: one zitadel.v1.ErrorDetail naming the error (its id is our error code, or the detail id
    // an error names for itself).
    const grpcBody: GrpcErrorBody = {
      code,
      message: error.message,
      details: [{ '@type': ZITADEL_ERROR_DETAIL, id: error.detailId ?? error.code, message: error.message }],
    };
    return { statusCode: status, headers, body: JSON.stringify(grpcBody) };
  }
  const body: ErrorBody = {
    errors: [
      {
        id: requestId,
        status: error.status,
        code: error.code,
        title: error.title,
        detail: error.message,
        ...(error.source ? { source: error.source } : {}),
      },
    ],
  };
  return {
    statusCode: error.status,
    headers: { ...SECURITY_HEADERS, ...error.headers, 'X-Request-Id': requestId },
    body: JSON.stringify(body),
  };
}

const internalError = () =>
  new DomainError(500, 'internal_server_error', 'Internal Server Error', 'An unexpected error occurred.');

/**
 * Cross-cutting HTTP work, once for every partner route: correlation id, one log line per request, security headers
 * and the mapping of errors to the Solaris error shape. Bodies and `device_data` are never logged.
 */
const httpCore = (
  shape: ErrorShape,
): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> => {
  const finish = (request: middy.Request<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>) => {
    const state = (request.context as StatefulContext)[stateKey]!;
    const response = request.response!;
    response.headers = { ...SECURITY_HEADERS, ...response.headers, 'X-Request-Id': state.requestId };
    const status = response.statusCode ?? 200;
    const line = {
      status,
      route_key: request.event.routeKey,
      method: request.event.requestContext?.http?.method,
      path: request.event.rawPath,
      ...(request.error instanceof DomainError ? { error_code: request.error.code } : {}),
    };
    // A refused request is the caller's business (INFO); a 5xx is ours (ERROR, logged where it arose).
    if (status >= 500) logger.error('request', line);
    else logger.info('request', line);
  };
  return {
    before: (request) => {
      (request.context as StatefulContext)[stateKey] = {
        requestId: currentInvocation()?.correlationId ?? randomUUID(),
        startedAt: Date.now(),
      };
    },
    after: finish,
    onError: (request) => {
      const context = request.context as StatefulContext;
      context[stateKey] ??= { requestId: randomUUID(), startedAt: Date.now() };
      const { requestId } = context[stateKey];
      const error = request.error;
      if (error instanceof DomainError) {
        request.response = errorResponse(error, requestId, shape);
      } else {
        logger.error('unhandled error', {
          status: 500,
          error: errorFields(error),
          ...(error instanceof Error && error.stack ? { stack: error.stack } : {}),
        });
        request.response = errorResponse(internalError(), requestId, shape);
      }
      finish(request);
    },
  };
};

/**
 * Builds a Lambda handler for one operation: the handler body receives the caller and validated input and returns
 * a status and body; everything else happens here. The route table decides who may call (partner by default) and
 * the error shape (Zitadel's under `/auth/`, Solaris's elsewhere). The caller is checked before any input is
 * looked at, so an anonymous request learns nothing about validation rules or resources.
 */
export function httpRoute<P extends ZodType, Q extends ZodType, B extends ZodType>(
  operation: string,
  spec: RouteSpec<P, Q, B>,
  handle: (input: RouteInput<Out<P>, Out<Q>, Out<B>>) => Promise<HttpResult>,
) {
  const route = ROUTES.find((candidate) => candidate.operation === operation);
  const kind: AuthKind = route ? authOf(route) : (spec.auth ?? 'partner');
  const shape: ErrorShape = route ? errorShapeOf(route) : 'solaris';
  const pipeline = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(httpCore(shape))
    .handler(async (event, context) => {
      const { requestId } = (context as StatefulContext)[stateKey]!;
      const caller = establishCaller(event, kind, spec.authConfig);
      const run = () => runRoute(spec, handle, event, requestId, caller);
      const key = header(event, IDEMPOTENCY_HEADER);
      const method = event.requestContext?.http?.method;
      if (key === undefined || !spec.idempotency || caller.kind !== 'partner' || method === 'GET')
        return run();
      // Errors become answers inside the claim, so a 4xx is stored like a 2xx (shared/idempotency/idempotency.ts).
      return idempotent(spec.idempotency.store, spec.idempotency.now, caller.clientId, key, event, () =>
        run().catch((error: unknown) => {
          if (error instanceof DomainError) return errorResponse(error, requestId, shape);
          throw error;
        }),
      );
    });
  // The correlation id is the caller's X-Request-Id when it is a sane token, else a new one; every log line and
  // metric of the invocation carries it.
  return (event: APIGatewayProxyEventV2, context: Context) => {
    const incoming = header(event, 'x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    return withInvocation(operation, requestId, () => pipeline(event, context));
  };
}

async function runRoute<P extends ZodType, Q extends ZodType, B extends ZodType>(
  spec: RouteSpec<P, Q, B>,
  handle: (input: RouteInput<Out<P>, Out<Q>, Out<B>>) => Promise<HttpResult>,
  event: APIGatewayProxyEventV2,
  requestId: string,
  caller: Caller,
): Promise<APIGatewayProxyStructuredResultV2> {
  const params = spec.params ? validate(spec.params, event.pathParameters ?? {}, 'path') : undefined;
  const query = spec.query ? validate(spec.query, event.queryStringParameters ?? {}, 'query') : undefined;
  let body: unknown;
  if (spec.body) {
    const parsed = parseBody(event);
    body = validate(spec.body, parsed ?? {}, '');
  } else if (event.body) {
    parseBody(event);
  }
  const result = await handle({
    params: params as Out<P>,
    query: query as Out<Q>,
    body: body as Out<B>,
    requestId,
    event,
    caller,
  });
  return {
    statusCode: result.status,
    headers: result.headers ?? {},
    body: result.body === undefined ? '' : JSON.stringify(result.body),
  };
}
