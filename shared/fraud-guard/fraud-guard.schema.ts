import type { RouteSchemas } from '../validation.ts';
import * as z from '../zod.ts';

/** A destination prefix as the operator API names it: calling code and leading national digits, without `+`. */
export const prefixPath = z.object({
  prefix: z.string().check(z.regex(/^[1-9]\d{1,9}$/, 'must be the digits of a prefix, without +')),
});

/** What each fraud guard operator route validates, by operation (see shared/route-schemas.ts). */
export const FRAUD_GUARD_REQUESTS = {
  'list-sms-prefix-blocks': {},
  'lift-sms-prefix-block': { params: prefixPath },
} satisfies Record<string, RouteSchemas>;
