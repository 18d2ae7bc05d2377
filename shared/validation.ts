import * as z from './zod.ts';

/** Person ids are opaque to this service, but bounded: they end up in keys and logs. */
export const personId = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(64),
    z.regex(/^[A-Za-z0-9_-]+$/, 'must contain only letters, digits, underscores and dashes'),
  );

/** Seon-style device fingerprint: accepted, capped, stored with the operation, never logged. */
export const MAX_DEVICE_DATA_CHARS = 8192;
export const deviceData = z.optional(
  z.string().check(z.maxLength(MAX_DEVICE_DATA_CHARS, `must be at most ${MAX_DEVICE_DATA_CHARS} characters`)),
);

/**
 * Text must be well-formed Unicode: with the `u` flag a lone surrogate is a code point of its own (category Cs), while
 * a proper pair is one other code point. A lone one has no UTF-8 form; hashing or storing it turns it into U+FFFD,
 * so two different texts would become the same bytes.
 */
export const wellFormed = () =>
  z.refine<string>((text) => !/\p{Cs}/u.test(text), 'must be well-formed Unicode (no lone surrogates)');

export const personPath = z.object({ person_id: personId });

/**
 * Request schemas (by operation, as in shared/route-schemas.ts) of the routes that validate nothing but the person in
 * the path, or nothing at all. They live here, not beside their concept's request bodies, so that these reads do not
 * build every body schema of their concept at cold start.
 */
export const PLAIN_REQUESTS = {
  'get-mobile-number': { params: personPath },
  'get-language-settings': { params: personPath },
  'get-my-phone': {},
  'resend-my-phone-verification': {},
  'list-webhooks': {},
} satisfies Record<string, RouteSchemas>;

/** What a route validates: its path parameters, query and body (shared/route-schemas.ts collects them by operation). */
export interface RouteSchemas<
  P extends z.ZodMiniType = z.ZodMiniType,
  Q extends z.ZodMiniType = z.ZodMiniType,
  B extends z.ZodMiniType = z.ZodMiniType,
> {
  params?: P;
  query?: Q;
  body?: B;
}
