import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Config } from '../config.ts';
import { insufficientScope, unauthenticated } from '../http/errors.ts';
import type { AuthKind } from '../routes.ts';
import { personId } from '../validation.ts';

/** Who is calling, as established from the verified token's claims. */
export type Caller =
  | { kind: 'partner'; clientId: string }
  | { kind: 'user'; personId: string }
  | { kind: 'operator'; operatorId: string }
  | { kind: 'public' };

/**
 * Claims as API Gateway's JWT authorizer hands them to the Lambda: every value flattened to a string (arrays as
 * `[a b]`). The local gateway builds them the same way.
 */
export type Claims = Record<string, string>;

function jwtClaims(event: APIGatewayProxyEventV2): Claims | undefined {
  const authorizer = (event.requestContext as { authorizer?: { jwt?: { claims?: Claims } } }).authorizer;
  return authorizer?.jwt?.claims;
}

/** `scope` (RFC 8693, space separated) or `scp`, in API Gateway's flattened form. */
export function scopesOf(claims: Claims): Set<string> {
  const raw = claims.scope ?? claims.scp ?? '';
  return new Set(
    raw
      .replace(/^\[|\]$/g, '')
      .split(/\s+/)
      .filter(Boolean),
  );
}

/**
 * The person id claim as the token itself holds it, with its JSON type. API Gateway flattens claims to strings, so a
 * numeric `sub` (RFC 7519 requires a string) reaches the Lambda as "12345"; the token the authorizer verified is
 * the one in the Authorization header (its identity source), so its payload is read from there. `undefined` when
 * there is no readable token.
 */
function rawClaim(event: APIGatewayProxyEventV2, name: string): unknown {
  const authorization = Object.entries(event.headers ?? {}).find(
    ([key]) => key.toLowerCase() === 'authorization',
  );
  const payload = /^Bearer\s+[^.\s]*\.([^.\s]+)\.[^.\s]*$/i.exec(authorization?.[1] ?? '')?.[1];
  if (!payload) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return claims !== null && typeof claims === 'object'
      ? (claims as Record<string, unknown>)[name]
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Defence in depth: the gateway has verified the token's signature, issuer, audience and lifetime; here the handler
 * checks, once for every route and keyed by the route's kind, that the token is the right kind of token.
 * - A token carrying more than one of the partner, user and operator scopes is refused on every route (403): one token is one kind of
 *   caller, so a partner never acts as an end user and an end user's app never gets the partner API.
 * - partner routes: the partner scope is required.
 * - operator routes: the operator scope is required; the operator is the token's client (and subject, if another).
 * - user routes: the user scope is required, and the configured claim must be a JSON string holding a well-formed
 *   person id (a number, an empty string or no claim is refused with 403).
 * No claims at all means the route was deployed without an authorizer: that is refused, never waved through.
 */
export function establishCaller(event: APIGatewayProxyEventV2, kind: AuthKind, auth: Config['auth']): Caller {
  if (kind === 'public') return { kind: 'public' };
  const claims = jwtClaims(event);
  if (!claims) throw unauthenticated('A bearer token is required.', false);
  if (auth.issuer !== undefined && claims.iss !== auth.issuer) {
    throw unauthenticated('The token was not issued by the trusted issuer.', true);
  }
  const scopes = scopesOf(claims);
  const kindScopes = [auth.partnerScope, auth.userScope, auth.operatorScope];
  if (kindScopes.filter((scope) => scopes.has(scope)).length > 1) {
    const scope =
      kind === 'partner' ? auth.partnerScope : kind === 'user' ? auth.userScope : auth.operatorScope;
    throw insufficientScope(
      `A token carries one of the partner (${auth.partnerScope}), user (${auth.userScope}) or operator (${auth.operatorScope}) scopes, not several.`,
      scope,
    );
  }
  if (kind === 'operator') {
    if (!scopes.has(auth.operatorScope)) {
      throw insufficientScope(
        `This route needs an operator token (scope ${auth.operatorScope}).`,
        auth.operatorScope,
      );
    }
    const operatorId = claims.client_id ?? claims.azp ?? claims.sub;
    if (!operatorId)
      throw insufficientScope('The operator token names no client or subject.', auth.operatorScope);
    // A user signed in through an operator app client is named by its subject; the client alone is the tool.
    return {
      kind: 'operator',
      operatorId: claims.sub && claims.sub !== operatorId ? `${operatorId}/${claims.sub}` : operatorId,
    };
  }
  if (kind === 'partner') {
    if (!scopes.has(auth.partnerScope)) {
      throw insufficientScope(
        `This route needs a partner token (scope ${auth.partnerScope}).`,
        auth.partnerScope,
      );
    }
    return { kind: 'partner', clientId: claims.client_id ?? claims.azp ?? claims.sub ?? 'unknown' };
  }
  if (!scopes.has(auth.userScope)) {
    throw insufficientScope(
      `This route needs an end user's token (scope ${auth.userScope}).`,
      auth.userScope,
    );
  }
  const subject = personId.safeParse(claims[auth.userIdClaim]);
  if (!subject.success || typeof rawClaim(event, auth.userIdClaim) !== 'string') {
    throw insufficientScope(`The token's ${auth.userIdClaim} claim is not a person id.`, auth.userScope);
  }
  return { kind: 'user', personId: subject.data };
}

/** The person a user route acts for. The pipeline guarantees a user caller on user routes; this keeps it typed. */
export function personOf(caller: Caller): string {
  if (caller.kind !== 'user') throw unauthenticated("This route needs an end user's token.", false);
  return caller.personId;
}

/** The operator an operator route acts as. The pipeline guarantees an operator caller there; this keeps it typed. */
export function operatorOf(caller: Caller): string {
  if (caller.kind !== 'operator') throw unauthenticated('This route needs an operator token.', false);
  return caller.operatorId;
}

/** The partner client a partner route acts for (the token's `client_id`). The pipeline guarantees a partner there. */
export function clientOf(caller: Caller): string {
  if (caller.kind !== 'partner') throw unauthenticated('This route needs a partner token.', false);
  return caller.clientId;
}
