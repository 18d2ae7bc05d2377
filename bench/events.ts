/**
 * API Gateway HTTP API (payload v2) events built the way the local gateway (`shared/local/gateway.ts`) builds them,
 * for calling a handler directly: in the cold-init child processes and in the CPU replay.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Claims } from '../shared/auth/caller.ts';
import { DEV_AUDIENCE, DEV_ISSUER, DevIssuer, LocalJwtAuthorizer } from '../shared/auth/dev-issuer.ts';
import { loadAuthScopes } from '../shared/config.ts';
import { compileRoute, httpApiEvent, lambdaContext } from '../shared/local/gateway.ts';
import { authOf, type HttpMethod, ROUTES, type RouteDefinition } from '../shared/routes.ts';

export type Auth = 'partner' | 'operator' | { user: string };

/** A verified token: the header the client sent and the claims the authorizer passes on. */
export interface Caller {
  authorization: string;
  claims: Claims;
}

const compiled = ROUTES.map(compileRoute);

/** The route-table entry a request goes to, as the gateway matches it (method and path pattern). */
export function routeFor(method: HttpMethod, pathname: string): RouteDefinition | undefined {
  return compiled.find((c) => c.route.method === method && c.pattern.test(pathname))?.route;
}

/**
 * Claims exactly as the gateway hands them to a handler: a token minted by the development issuer and verified by
 * the local JWT authorizer (which flattens them as API Gateway does).
 */
export class ClaimSource {
  private readonly cache = new Map<string, Caller>();
  private constructor(
    private readonly issuer: DevIssuer,
    private readonly authorizer: LocalJwtAuthorizer,
  ) {}

  static async create(now: () => Date = () => new Date()): Promise<ClaimSource> {
    const issuer = await DevIssuer.create({ scopes: loadAuthScopes({}), now });
    return new ClaimSource(issuer, new LocalJwtAuthorizer(issuer.jwks(), DEV_ISSUER, [DEV_AUDIENCE], now));
  }

  async caller(auth: Auth): Promise<Caller> {
    const key = typeof auth === 'string' ? auth : `user:${auth.user}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const token = await this.issuer.mint(
      typeof auth === 'string' ? { kind: auth } : { kind: 'user', personId: auth.user },
    );
    const authorization = `Bearer ${token}`;
    const verdict = await this.authorizer.verify(authorization);
    if (!verdict.ok) throw new Error(`the local authorizer refused a fresh token: ${verdict.reason}`);
    const caller = { authorization, claims: verdict.claims };
    this.cache.set(key, caller);
    return caller;
  }
}

/** The v2 event the local gateway would build for this request (headers as a JSON client sends them). */
export function apiEvent(options: {
  method: HttpMethod;
  /** Path with query string, e.g. `/v1/mfa/devices?filter[person_id]=p`. */
  url: string;
  body?: unknown;
  caller?: Caller;
  now?: Date;
}): { route: RouteDefinition; event: APIGatewayProxyEventV2 } {
  const url = new URL(options.url, 'http://127.0.0.1:3000');
  const hit = compiled.find((c) => c.route.method === options.method && c.pattern.test(url.pathname));
  if (!hit) throw new Error(`no route for ${options.method} ${url.pathname}`);
  const match = hit.pattern.exec(url.pathname)!;
  const pathParameters: Record<string, string> = {};
  hit.names.forEach((name, index) => {
    pathParameters[name] = decodeURIComponent(match[index + 1]!);
  });
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = {
    accept: '*/*',
    'accept-encoding': 'gzip, deflate',
    ...(options.caller ? { authorization: options.caller.authorization } : {}),
    host: url.host,
    'user-agent': 'node',
    ...(body !== undefined
      ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }
      : {}),
  };
  const event = httpApiEvent({
    route: hit.route,
    url,
    headers,
    body,
    pathParameters: hit.names.length ? pathParameters : undefined,
    protocol: 'HTTP/1.1',
    sourceIp: '127.0.0.1',
    userAgent: 'node',
    claims: authOf(hit.route) !== 'public' && options.caller ? options.caller.claims : undefined,
    ...(options.now ? { now: options.now } : {}),
  });
  return { route: hit.route, event };
}

/** The local gateway's Lambda context (512 MB, 10 s timeout). */
export { lambdaContext };
