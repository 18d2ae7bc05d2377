/**
 * The request schemas of every route in the route table, by operation: what its handler validates (each handler takes
 * its entry from its concept's `*.schema.ts`) and what the OpenAPI document describes.
 *
 * They are kept apart from shared/routes.ts on purpose: every function and the CDK app import the route table, and
 * the schemas of all routes there would put every concept's schema module into every function's bundle and cold
 * start. This module is imported only where all routes are needed (OpenAPI, tests).
 */
import { CHANGE_REQUEST_REQUESTS } from './change-requests/change-request.schema.ts';
import { DEVICE_REQUESTS } from './devices/device.schema.ts';
import { FRAUD_GUARD_REQUESTS } from './fraud-guard/fraud-guard.schema.ts';
import { MOBILE_NUMBER_REQUESTS } from './mobile-number/mobile-number.schema.ts';
import { OPERATOR_REQUESTS } from './operator/operator.schema.ts';
import { PASSKEY_REQUESTS } from './passkeys/passkey.schema.ts';
import { PAYMENT_REQUESTS } from './payments/payment-authorization.schema.ts';
import type { RouteDefinition } from './routes.ts';
import { USER_PHONE_REQUESTS } from './user-phone/user-phone.schema.ts';
import { PLAIN_REQUESTS, type RouteSchemas } from './validation.ts';
import { WEBHOOK_REQUESTS } from './webhooks/webhook.schema.ts';

export const ROUTE_SCHEMAS: Readonly<Record<string, RouteSchemas>> = {
  ...PLAIN_REQUESTS,
  ...USER_PHONE_REQUESTS,
  ...MOBILE_NUMBER_REQUESTS,
  ...CHANGE_REQUEST_REQUESTS,
  ...WEBHOOK_REQUESTS,
  ...DEVICE_REQUESTS,
  ...OPERATOR_REQUESTS,
  ...FRAUD_GUARD_REQUESTS,
  ...PAYMENT_REQUESTS,
  ...PASSKEY_REQUESTS,
};

/** A route's request schemas; fails for a route that has none, so a new route cannot go undocumented. */
export function schemasOf(route: Pick<RouteDefinition, 'operation'>): RouteSchemas {
  const schemas = ROUTE_SCHEMAS[route.operation];
  if (!schemas) throw new Error(`${route.operation} has no entry in shared/route-schemas.ts`);
  return schemas;
}
