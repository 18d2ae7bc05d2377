import { DomainError } from '../errors.ts';

/**
 * The HTTP side's own errors (authentication, RFC 6750). Domain errors live in shared/errors.ts; they are
 * re-exported here for the HTTP modules that map both.
 */
export * from '../errors.ts';

/** RFC 6750: a 401 names the scheme (and, for a presented but unusable token, `invalid_token`). */
export const unauthenticated = (detail: string, tokenPresented: boolean) =>
  new DomainError(401, 'unauthorized', 'Unauthorized', detail, {
    headers: {
      'WWW-Authenticate': tokenPresented
        ? 'Bearer realm="phone-security", error="invalid_token"'
        : 'Bearer realm="phone-security"',
    },
  });

/** RFC 6750: a valid token that lacks what the route needs answers 403 `insufficient_scope`. */
export const insufficientScope = (detail: string, scope: string) =>
  new DomainError(403, 'insufficient_scope', 'Forbidden', detail, {
    headers: {
      'WWW-Authenticate': `Bearer realm="phone-security", error="insufficient_scope", scope="${scope}"`,
    },
  });
