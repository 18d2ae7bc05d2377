import { describe, expect, it } from 'vitest';
import { routeFor } from './events.ts';
import { staticImports } from './function-build.ts';
import { percentile } from './report.ts';
import { describeCommand } from './round-trips.ts';
import { otpFor, type Transport } from './scenario.ts';

describe("the bench's parsing", () => {
  it('names a transaction by its item kinds, in order, and any other command by its name', () => {
    const body = JSON.stringify({ TransactItems: [{ ConditionCheck: {} }, { Put: {} }, { Update: {} }] });
    expect(describeCommand('TransactWriteItemsCommand', body)).toBe(
      'TransactWriteItems[ConditionCheck,Put,Update]',
    );
    expect(describeCommand('BatchGetItemCommand', '{}')).toBe('BatchGetItem');
    expect(describeCommand('TransactWriteItemsCommand', 'not json')).toBe('TransactWriteItems');
  });

  it('matches requests to routes as the local gateway does', () => {
    expect(routeFor('POST', '/v1/persons/p1/mobile_number/confirm')?.operation).toBe('confirm-mobile-number');
    expect(routeFor('GET', '/v1/mfa/devices/d1/keys/k1')?.operation).toBe('get-device-key');
    expect(routeFor('PUT', '/auth/v1/users/me/phone')?.operation).toBe('set-my-phone');
    expect(routeFor('PATCH' as never, '/v1/persons/p1/mobile_number')).toBeUndefined();
    expect(routeFor('GET', '/v1/persons/p1/mobile_number/extra')).toBeUndefined();
  });

  it("reads the OTP from the first line of the newest SMS to the number, not the app hash's digits", () => {
    const transport = {
      sms: () => [
        { to: '+1', text: '111111 is your OTP' },
        { to: '+2', text: '222222 is your OTP' },
        { to: '+1', text: '333333 is your OTP\n444444' },
      ],
    } as unknown as Transport;
    expect(otpFor(transport, '+1')).toBe('333333');
    expect(() => otpFor(transport, '+3')).toThrow(/no OTP SMS/);
  });

  it('takes percentiles by nearest rank', () => {
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99)).toBe(10);
  });

  it("tells a chunk's static imports from its dynamic ones in esbuild's minified output", () => {
    const source =
      'import{createRequire as __cr}from"node:module";import{a as b,c}from"./chunk-AAA.mjs";import"./chunk-BBB.mjs";' +
      'var x=async()=>{let{d:e}=await import("./chunk-CCC.mjs");return e};import {f} from "./chunk-DDD.mjs";';
    expect(staticImports(source)).toEqual(['./chunk-AAA.mjs', './chunk-BBB.mjs', './chunk-DDD.mjs']);
  });
});
