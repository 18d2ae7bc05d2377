import type { RouteDefinition } from '../shared/routes.ts';

/**
 * The nested stacks the API's routes are deployed in, one per concept of the API. `webhooks` routes go with the
 * event path (lib/events-stack.ts); every other concept has an API stack of its own (lib/api-stack.ts).
 */
export const API_CONCEPTS = [
  'numbers',
  'devices',
  'change-requests',
  'payments',
  'end-user',
  'operator',
  'webhooks',
] as const;
export type ApiConcept = (typeof API_CONCEPTS)[number];

/**
 * Which concept a route belongs to, read from its path, so that a route added to the table lands in its concept's
 * stack without an edit here. First match wins. Operator paths come first: they nest `/persons/` too.
 */
const RULES: ReadonlyArray<[ApiConcept, RegExp]> = [
  ['end-user', /^\/(auth\/|zitadel\.)/],
  ['operator', /^\/v1\/operator(\/|$)/],
  ['change-requests', /^\/v1\/change_requests(\/|$)/],
  ['payments', /(^|\/)payment_authorizations(\/|$)|^\/v1\/payments?(\/|$)/],
  ['devices', /^\/v1\/mfa(\/|$)|\/passkeys?(\/|$)/],
  ['webhooks', /^\/v1\/webhooks(\/|$)/],
  ['numbers', /^\/v1\/persons\/\{[^}]+\}\/(mobile_number|language_settings)(\/|$)/],
];

/** A route's concept; a path no rule knows stops the synth and names the concepts and their paths. */
export function conceptOf(route: Pick<RouteDefinition, 'path' | 'operation'>): ApiConcept {
  const match = RULES.find(([, pattern]) => pattern.test(route.path));
  if (!match) {
    throw new Error(
      `Route ${route.operation} (${route.path}) belongs to no API stack. Paths by stack: ${RULES.map(
        ([concept, pattern]) => `${concept} ${pattern.source}`,
      ).join('; ')} (lib/api-concepts.ts)`,
    );
  }
  return match[0];
}
