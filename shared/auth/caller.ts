import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Config } from '../config.ts';
import { insufficientScope, unauthenticated } from '../http/errors.ts';
import type { AuthKind } from '../routes.ts';
import { personId } from '../validation.ts';

/** Who is calling, as established from the verified token's claims. */
export type Caller =
  | { kind: 'partner'; clientId: string }
  | { kind: 'user'; personId: string }
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
 * Defence in depth: the gateway has verified the token's signature, issuer, audience and lifetime; here the handler
 * checks, once for every route and keyed by the route's kind, that the token is the right kind of token.
 * - partner routes: the partner scope is required.
 * - user routes: the user scope is required, a token that also carries the partner scope is refused (a partner must
 *   never act as an end user), and the configured claim must hold a well-formed person id.
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
  if (kind === 'partner') {
    if (!scopes.has(auth.partnerScope)) {
      throw insufficientScope(
        `This route needs a partner token (scope ${auth.partnerScope}).`,
        auth.partnerScope,
      );
    }
    return { kind: 'partner', clientId: claims.client_id ?? claims.azp ?? claims.sub ?? 'unknown' };
  }
  if (!scopes.has(auth.userScope) || scopes.has(auth.partnerScope)) {
    throw insufficientScope(
      `This route needs an end user's token (scope ${auth.userScope}).`,
      auth.userScope,
    );
  }
  const subject = personId.safeParse(claims[auth.userIdClaim]);
  if (!subject.success) {
    throw insufficientScope(`The token's ${auth.userIdClaim} claim is not a person id.`, auth.userScope);
  }
  return { kind: 'user', personId: subject.data };
}

/** The person a user route acts for. The pipeline guarantees a user caller on user routes; this keeps it typed. */
export function personOf(caller: Caller): string {
  if (caller.kind !== 'user') throw unauthenticated("This route needs an end user's token.", false);
  return caller.personId;
}
