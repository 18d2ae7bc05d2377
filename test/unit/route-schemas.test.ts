import { describe, expect, it } from 'vitest';
import { CHANGE_REQUEST_REQUESTS } from '../../shared/change-requests/change-request.schema.ts';
import { DEVICE_REQUESTS } from '../../shared/devices/device.schema.ts';
import { MOBILE_NUMBER_REQUESTS } from '../../shared/mobile-number/mobile-number.schema.ts';
import { ROUTE_SCHEMAS, schemasOf } from '../../shared/route-schemas.ts';
import { ROUTES } from '../../shared/routes.ts';
import { USER_PHONE_REQUESTS } from '../../shared/user-phone/user-phone.schema.ts';
import { PLAIN_REQUESTS } from '../../shared/validation.ts';
import { WEBHOOK_REQUESTS } from '../../shared/webhooks/webhook.schema.ts';

describe('request schemas by operation', () => {
  it('name every route of the route table, and nothing else', () => {
    expect(Object.keys(ROUTE_SCHEMAS).sort()).toEqual(ROUTES.map((route) => route.operation).sort());
  });

  it('come from exactly one place per operation (no concept overrides another)', () => {
    const sources = [
      PLAIN_REQUESTS,
      USER_PHONE_REQUESTS,
      MOBILE_NUMBER_REQUESTS,
      CHANGE_REQUEST_REQUESTS,
      WEBHOOK_REQUESTS,
      DEVICE_REQUESTS,
    ].flatMap((requests) => Object.keys(requests));
    expect(new Set(sources).size).toBe(sources.length);
  });

  it('declare one path parameter schema per `{name}` of the route path', () => {
    for (const route of ROUTES) {
      const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
      const shape = (schemasOf(route).params as { _zod?: { def?: { shape?: object } } } | undefined)?._zod
        ?.def?.shape;
      expect(Object.keys(shape ?? {}).sort(), route.operation).toEqual(names);
    }
  });

  it('refuse an operation outside the table', () => {
    expect(() => schemasOf({ operation: 'no-such-operation' })).toThrow(/no entry/);
  });
});
