import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Verdict } from '../auth/dev-issuer.ts';
import { ROUTE_TIMEOUT_SECONDS } from '../config.ts';
import { outOfTime } from '../deadline.ts';
import { errorResponse } from '../http/error-mapping.ts';
import { DomainError, unauthenticated } from '../http/errors.ts';
import { authOf, errorShapeOf, type HttpMethod, ROUTES, type RouteDefinition } from '../routes.ts';
import { runAsRoute } from '../storage/access-guard.ts';

export type LambdaHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** A route that exists only in local mode (never in the stack), such as `GET /_local/sms`. */
export interface LocalRoute {
  method: HttpMethod;
  path: string;
  handle(request: IncomingMessage, body: string): Promise<{ status: number; body: unknown }>;
}

export interface GatewayOptions {
  host?: string;
  port?: number;
  /** Composes the handler of a route (the local service builds each handler module with its local adapters). */
  handlerFor: (route: RouteDefinition) => Promise<LambdaHandler>;
  localRoutes?: LocalRoute[];
  /** Called once per request with a short summary line. */
  log?: (line: string) => void;
  routes?: readonly RouteDefinition[];
  /**
   * Verifies bearer tokens as API Gateway's JWT authorizer would. Without one, every route that is not public
   * answers 401: a gateway that forgot its authorizer must not serve anyone.
   */
  authorizer?: { verify(authorization: string | undefined): Promise<Verdict> };
  /** Sees each answer of a route-table route (tests check answers against the OpenAPI document with it). */
  observe?: (route: RouteDefinition, result: APIGatewayProxyStructuredResultV2) => void;
  /** Sees each request before the routes do (local mode's console); resolves true when it has answered it. */
  intercept?: (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<boolean>;
  /**
   * Each request's time, as on AWS: the function's timeout (its Lambda context's remaining time; default the stack's
   * ROUTE_TIMEOUT_SECONDS) and API Gateway's integration timeout (default 30 s), after which the gateway answers 503
   * with Retry-After whatever the handler still does. Tests shorten them.
   */
  timeouts?: { functionMs?: number; integrationMs?: number };
}

/** API Gateway's integration timeout for HTTP APIs: 30 s. */
export const INTEGRATION_TIMEOUT_MS = 30_000;

export interface RunningGateway {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** API Gateway HTTP APIs' payload cap is much larger (10 MB); locally we keep at most 1 MiB of a body. */
export const MAX_LOCAL_BODY = 1024 * 1024;

/**
 * A body over MAX_LOCAL_BODY is still read to its end (and thrown away) before the 413, up to this many bytes: a
 * server that answers and closes while the client is still sending makes the client's TCP stack see a reset, not
 * the answer. Past this, the 413 goes out at once and the connection is closed.
 */
export const MAX_DRAINED_BODY = 16 * 1024 * 1024;

const payloadTooLarge = () =>
  new DomainError(
    413,
    'payload_too_large',
    'Payload Too Large',
    `Request bodies are limited to ${MAX_LOCAL_BODY} bytes.`,
  );

/** Errors under `/auth/` answer in the Zitadel shape, also for paths without a route; the rest in Solaris's. */
const shapeOfPath = (pathname: string) => errorShapeOf({ path: pathname });

export interface CompiledRoute {
  route: RouteDefinition;
  pattern: RegExp;
  names: string[];
}

/** A route's path as a pattern, with the names of its `{parameters}` in order. */
export function compileRoute(route: RouteDefinition): CompiledRoute {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      const match = /^\{(\w+)\}$/.exec(segment);
      if (!match) return segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      names.push(match[1]!);
      return '([^/]+)';
    })
    .join('/');
  return { route, pattern: new RegExp(`^${source}$`), names };
}

/** The handler of each route, composed once per gateway on its first request. */
function handlerCache(compose: (route: RouteDefinition) => Promise<LambdaHandler>) {
  const handlers = new Map<string, Promise<LambdaHandler>>();
  return (route: RouteDefinition): Promise<LambdaHandler> => {
    let pending = handlers.get(route.operation);
    if (!pending) {
      pending = compose(route);
      handlers.set(route.operation, pending);
    }
    return pending;
  };
}

/** Thrown when a body is past MAX_DRAINED_BODY: the answer closes the connection. */
class BodyNotDrained extends Error {}

function readBody(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_DRAINED_BODY) {
        request.pause();
        reject(new BodyNotDrained());
      } else if (size > MAX_LOCAL_BODY) {
        chunks.length = 0;
      } else {
        chunks.push(chunk);
      }
    });
    request.on('end', () => {
      if (size > MAX_LOCAL_BODY) reject(payloadTooLarge());
      else resolveBody(chunks.length ? Buffer.concat(chunks).toString('utf8') : undefined);
    });
    request.on('error', reject);
  });
}

/**
 * The path of a request the parser refused, read from its first line whatever came before it: a malformed method
 * (`get`, `GE T`, bytes that are no token) must not make an `/auth/v1` request answer in the partner API's shape.
 */
function requestTargetOf(rawPacket: Buffer | undefined): string {
  const requestLine = (rawPacket?.toString('latin1') ?? '').split('\r\n', 1)[0]!;
  return /(?:^|\s)(\/\S*)/.exec(requestLine)?.[1] ?? '/';
}

/**
 * Node's HTTP parser refused the request (a malformed request line or header, headers over its 16 KiB limit, a
 * request that took too long): answered in the error shape of the request's path where the socket still takes an
 * answer, then closed, as Node's own default answer does.
 */
function answerClientError(error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket) {
  const attached = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || attached?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, code, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'request_header_fields_too_large', 'The request headers are larger than 16 KiB.']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request_timeout', 'The request was not received in time.']
        : [400, 'malformed_request', 'The request is not well-formed HTTP/1.1.'];
  const title = STATUS_CODES[status]!;
  const path = requestTargetOf(error.rawPacket);
  const pathname = path.split('?')[0]!;
  const result = errorResponse(
    new DomainError(status, code, title, detail),
    randomUUID(),
    shapeOfPath(pathname),
  );
  const body = Buffer.from(result.body ?? '');
  const headers = Object.entries({ ...result.headers, 'Content-Length': body.length, Connection: 'close' })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 ${status} ${title}\r\n${headers}\r\n`), body]));
}

/** A malformed percent-escape is the client's mistake (400), not a crash. */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new DomainError(
      400,
      'validation_error',
      'Validation Error',
      'The path holds a malformed percent-escape.',
    );
  }
}

function toEvent(
  request: IncomingMessage,
  url: URL,
  compiled: CompiledRoute,
  match: RegExpExecArray,
  body: string | undefined,
  claims: Record<string, string> | undefined,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const pathParameters: Record<string, string> = {};
  compiled.names.forEach((name, index) => {
    pathParameters[name] = decodePathSegment(match[index + 1]!);
  });
  return httpApiEvent({
    route: compiled.route,
    url,
    headers,
    body,
    pathParameters: compiled.names.length ? pathParameters : undefined,
    protocol: `HTTP/${request.httpVersion}`,
    sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
    userAgent: request.headers['user-agent'] ?? '',
    claims,
  });
}

/**
 * The HTTP API (payload v2) event API Gateway hands a Lambda for a matched request. `claims` are a verified token's,
 * where API Gateway's JWT authorizer puts them; they come only from the verified token, never from the request.
 */
export function httpApiEvent(input: {
  route: Pick<RouteDefinition, 'method' | 'path'>;
  url: URL;
  headers: Record<string, string>;
  body: string | undefined;
  pathParameters: Record<string, string> | undefined;
  protocol: string;
  sourceIp: string;
  userAgent: string;
  claims: Record<string, unknown> | undefined;
  now?: Date;
}): APIGatewayProxyEventV2 {
  const { url, body } = input;
  const now = input.now ?? new Date();
  const routeKey = `${input.route.method} ${input.route.path}`;
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers: input.headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(input.pathParameters ? { pathParameters: input.pathParameters } : {}),
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: false,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: url.host,
      domainPrefix: 'local',
      http: {
        method: input.route.method,
        path: url.pathname,
        protocol: input.protocol,
        sourceIp: input.sourceIp,
        userAgent: input.userAgent,
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      ...(input.claims ? { authorizer: { jwt: { claims: input.claims, scopes: null } } } : {}),
    },
  } as APIGatewayProxyEventV2;
}

/** A Lambda context as the runtime gives one: 512 MB, the stack's timeout (10 s) unless told otherwise. */
export function lambdaContext(operation: string, timeoutMs = ROUTE_TIMEOUT_SECONDS * 1000): Context {
  const started = Date.now();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: operation,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${operation}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${operation}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

function send(response: ServerResponse, result: APIGatewayProxyStructuredResultV2) {
  response.writeHead(result.statusCode ?? 200, (result.headers ?? {}) as Record<string, string>);
  response.end(result.body ?? '');
}

/**
 * The handler's answer, or API Gateway's own once the integration timeout passes: 503 with Retry-After in the route's
 * error shape. The handler runs on, as a Lambda would until its own timeout; its answer is then dropped.
 */
async function withinIntegrationTimeout(
  run: Promise<APIGatewayProxyStructuredResultV2>,
  timeoutMs: number,
  route: RouteDefinition,
): Promise<APIGatewayProxyStructuredResultV2> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<APIGatewayProxyStructuredResultV2>((resolveTimeout) => {
    timer = setTimeout(
      () =>
        resolveTimeout(
          errorResponse(
            outOfTime('The integration did not answer in time. Retry with the same Idempotency-Key.'),
            randomUUID(),
            errorShapeOf(route),
          ),
        ),
      timeoutMs,
    );
  });
  run.catch(() => {}); // a late failure of a run already answered for is not unhandled
  try {
    return await Promise.race([run, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

const errorFor = (error: DomainError, url: URL) =>
  errorResponse(error, randomUUID(), shapeOfPath(url.pathname));

/**
 * A local stand-in for API Gateway: matches the route table, builds the HTTP API (payload v2) event and invokes the
 * same handler module the Lambda runs.
 */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const loadHandler = handlerCache(options.handlerFor);
  const compiled = (options.routes ?? ROUTES).map(compileRoute);
  const local = (options.localRoutes ?? []).map((route) => ({
    route,
    compiled: compileRoute({
      operation: 'local',
      method: route.method,
      path: route.path,
      summary: '',
      table: [],
    }),
  }));
  const integrationMs = options.timeouts?.integrationMs ?? INTEGRATION_TIMEOUT_MS;
  const server = createServer(async (request, response) => {
    const started = Date.now();
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = (request.method ?? 'GET').toUpperCase();
    try {
      if (await options.intercept?.(request, response, url)) return;
      const body = await readBody(request);
      const localMatch = local.find(
        (l) => l.route.method === method && l.compiled.pattern.test(url.pathname),
      );
      if (localMatch) {
        const result = await localMatch.route.handle(request, body ?? '');
        send(response, {
          statusCode: result.status,
          headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
          body: JSON.stringify(result.body),
        });
      } else {
        // As API Gateway HTTP APIs do: a path without a route for this method is a plain 404, like an unknown path.
        const hit = compiled.find((c) => c.route.method === method && c.pattern.test(url.pathname));
        if (!hit) {
          send(
            response,
            errorFor(
              new DomainError(404, 'route_not_found', 'Not Found', `No route for ${method} ${url.pathname}.`),
              url,
            ),
          );
        } else {
          let claims: Record<string, string> | undefined;
          if (authOf(hit.route) !== 'public') {
            const verdict: Verdict = options.authorizer
              ? await options.authorizer.verify(request.headers.authorization)
              : { ok: false, tokenPresented: false, reason: 'No authorizer is configured.' };
            if (!verdict.ok) {
              const error = unauthenticated(verdict.reason, verdict.tokenPresented);
              const refused = errorResponse(error, randomUUID(), errorShapeOf(hit.route));
              options.observe?.(hit.route, refused);
              send(response, refused);
              return;
            }
            claims = verdict.claims;
          }
          const handler = await loadHandler(hit.route);
          const match = hit.pattern.exec(url.pathname)!;
          const run = runAsRoute(hit.route, () =>
            handler(
              toEvent(request, url, hit, match, body, claims),
              lambdaContext(hit.route.operation, options.timeouts?.functionMs),
            ),
          );
          const result = await withinIntegrationTimeout(run, integrationMs, hit.route);
          options.observe?.(hit.route, result);
          send(response, result);
        }
      }
    } catch (error) {
      if (error instanceof BodyNotDrained) {
        response.shouldKeepAlive = false;
        if (!response.headersSent) send(response, errorFor(payloadTooLarge(), url));
        response.once('finish', () => request.socket.destroy());
        return;
      }
      const domain =
        error instanceof DomainError
          ? error
          : new DomainError(
              500,
              'internal_server_error',
              'Internal Server Error',
              'An unexpected error occurred.',
            );
      if (!(error instanceof DomainError)) console.error(error);
      if (!response.headersSent) send(response, errorFor(domain, url));
    } finally {
      options.log?.(`${method} ${url.pathname} ${response.statusCode} ${Date.now() - started}ms`);
    }
  });
  server.on('clientError', answerClientError);
  // A client that asks before sending (`Expect: 100-continue`, as curl does for bodies over 1 MiB) and announces
  // more than the limit hears 413 without sending the body.
  server.on('checkContinue', (request, response) => {
    if (Number(request.headers['content-length'] ?? 0) > MAX_LOCAL_BODY) {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      response.shouldKeepAlive = false;
      send(response, errorFor(payloadTooLarge(), url));
      options.log?.(`${request.method} ${url.pathname} 413 0ms`);
      return;
    }
    response.writeContinue();
    server.emit('request', request, response);
  });
  await new Promise<void>((resolveListen) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolveListen),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}
