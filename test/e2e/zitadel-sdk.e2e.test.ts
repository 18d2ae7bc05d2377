import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { createAuthServiceClient } from '@zitadel/client/v1';
import { describe, expect, it } from 'vitest';
import { uniquePerson, useService } from '../support/fixture.ts';

/**
 * The official Zitadel SDK, unchanged: `createAuthServiceClient` from `@zitadel/client` over a Connect JSON
 * transport (`@connectrpc/connect-node`, HTTP/1.1), against the local server's Connect routes.
 */
const fixture = useService();

let serial = 2000;
const germanNumber = () => `+49151234${String(serial++).padStart(5, '0')}`;

function sdkFor(person: string | null) {
  const bearer: Interceptor = (next) => async (request) => {
    if (person)
      request.header.set(
        'authorization',
        `Bearer ${await fixture.issuer.mint({ kind: 'user', personId: person })}`,
      );
    return next(request);
  };
  const transport = createConnectTransport({
    baseUrl: fixture.url,
    httpVersion: '1.1',
    useBinaryFormat: false,
    interceptors: [bearer],
  });
  return createAuthServiceClient(transport);
}

const codeOf = async (call: Promise<unknown>) => {
  try {
    await call;
  } catch (error) {
    return ConnectError.from(error).code;
  }
  throw new Error('expected the call to fail');
};

describe('@zitadel/client AuthService over Connect', () => {
  it('sets, resends, verifies, reads and removes the phone, answering what the REST routes answer', async () => {
    const person = uniquePerson();
    const sdk = sdkFor(person);
    const number = germanNumber();

    expect(await codeOf(sdk.getMyPhone({}))).toBe(Code.NotFound);
    const set = await sdk.setMyPhone({ phone: number });
    expect(set.details?.resourceOwner).toBe(person);
    const sequenceAfterSet = set.details!.sequence;
    expect(sequenceAfterSet).toBeGreaterThan(0n);

    expect(await codeOf(sdk.verifyMyPhone({ code: '000000' }))).toBe(Code.InvalidArgument);
    await sdk.resendMyPhoneVerification({});
    const verified = await sdk.verifyMyPhone({ code: await fixture.lastSms(number) });
    expect(verified.details!.sequence).toBeGreaterThan(sequenceAfterSet);

    const read = await sdk.getMyPhone({});
    expect(read.phone).toMatchObject({ phone: number, isPhoneVerified: true });
    expect(read.details?.changeDate).toBeDefined();
    // The REST route reads the same resource, nested the same way.
    const rest = await fixture.user(person).get('/auth/v1/users/me/phone');
    expect(rest.body.phone).toEqual({ phone: number, isPhoneVerified: true });
    expect(rest.body.details.sequence).toBe(String(read.details!.sequence));

    // A verified phone needs a removal code, which the SDK's empty RemoveMyPhoneRequest cannot carry.
    expect(await codeOf(sdk.removeMyPhone({}))).toBe(Code.FailedPrecondition);
    expect(await codeOf(sdk.setMyPhone({ phone: germanNumber() }))).toBe(Code.FailedPrecondition);
  });

  it('removes an unverified phone', async () => {
    const sdk = sdkFor(uniquePerson());
    await sdk.setMyPhone({ phone: germanNumber() });
    await sdk.removeMyPhone({});
    expect(await codeOf(sdk.getMyPhone({}))).toBe(Code.NotFound);
  });

  it('maps refusals to Connect codes: bad input, no token, a partner token', async () => {
    expect(await codeOf(sdkFor(uniquePerson()).setMyPhone({ phone: 'not a number' }))).toBe(
      Code.InvalidArgument,
    );
    expect(await codeOf(sdkFor(null).getMyPhone({}))).toBe(Code.Unauthenticated);
    const partner = await fetch(`${fixture.url}/zitadel.auth.v1.AuthService/GetMyPhone`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'connect-protocol-version': '1',
        authorization: `Bearer ${await fixture.issuer.mint({ kind: 'partner' })}`,
      },
      body: '{}',
    });
    expect(partner.status).toBe(403);
    expect(await partner.json()).toEqual({ code: 'permission_denied', message: expect.any(String) });
  });

  it('answers an unknown procedure with unimplemented', async () => {
    const response = await fetch(`${fixture.url}/zitadel.auth.v1.AuthService/GetMyEmail`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(501);
    expect(await response.json()).toEqual({ code: 'unimplemented', message: expect.any(String) });
  });
});
