import { createPublicKey } from 'node:crypto';
import { type JWTPayload, SignJWT, UnsecuredJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { DevIssuer } from '../../shared/auth/dev-issuer.ts';
import { authOf, errorShapeOf, ROUTES, type RouteDefinition } from '../../shared/routes.ts';
import { TestClock, uniquePerson, useService } from '../support/fixture.ts';

let otherIssuer: DevIssuer;
const clock = new TestClock();
const scopes = {
  partnerScope: 'phone-security/partner',
  userScope: 'phone-security/user',
  operatorScope: 'phone-security/operator',
};

const fixture = useService({ clock });
beforeAll(async () => {
  otherIssuer = await DevIssuer.create({ scopes, now: () => clock.now() });
});

/** A concrete URL for a route: every path parameter gets a well-formed value. */
const urlOf = (route: RouteDefinition) => route.path.replace(/\{\w+\}/g, 'a1b2c3');
const guarded = ROUTES.filter((route) => authOf(route) !== 'public');
const label = (route: RouteDefinition) => `${route.method} ${route.path}`;

/** The token a route's own kind of caller would hold, and one of the other kind. */
const rightRequest = (route: RouteDefinition) =>
  authOf(route) === 'user'
    ? ({ kind: 'user', personId: uniquePerson() } as const)
    : ({ kind: 'partner' } as const);
const wrongRequest = (route: RouteDefinition) =>
  authOf(route) === 'user'
    ? ({ kind: 'partner' } as const)
    : ({ kind: 'user', personId: uniquePerson() } as const);

async function call(route: RouteDefinition, authorization?: string) {
  const response = await fetch(`${fixture.url}${urlOf(route)}`, {
    method: route.method,
    headers: {
      'content-type': 'application/json',
      ...(authorization !== undefined ? { authorization } : {}),
    },
    ...(route.method === 'GET' ? {} : { body: '{}' }),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

/** The route's own error shape, with the given status (and gRPC code on the end-user API). */
function expectErrorShape(route: RouteDefinition, body: unknown, status: number, grpc: number) {
  if (errorShapeOf(route) === 'zitadel') {
    expect(body).toEqual({
      code: grpc,
      message: expect.any(String),
      details: [
        {
          '@type': 'type.googleapis.com/zitadel.v1.ErrorDetail',
          id: status === 401 ? 'unauthorized' : 'insufficient_scope',
          message: expect.any(String),
        },
      ],
    });
  } else if (errorShapeOf(route) === 'connect') {
    expect(body).toEqual({
      code: status === 401 ? 'unauthenticated' : 'permission_denied',
      message: expect.any(String),
    });
  } else {
    expect(body).toEqual({
      errors: [
        {
          id: expect.any(String),
          status,
          code: status === 401 ? 'unauthorized' : 'insufficient_scope',
          title: expect.any(String),
          detail: expect.any(String),
        },
      ],
    });
  }
}

describe.each(guarded.map((route) => [label(route), route] as const))('%s', (_, route) => {
  const refusals: Array<[string, () => Promise<string | undefined>]> = [
    ['no token', async () => undefined],
    ['an empty bearer', async () => 'Bearer '],
    [
      'an expired token',
      async () => `Bearer ${await fixture.issuer.mint(rightRequest(route), { expiresIn: -1 })}`,
    ],
    [
      'a token not valid yet',
      async () => `Bearer ${await fixture.issuer.mint(rightRequest(route), { notBefore: 600 })}`,
    ],
    ['a token from another key', async () => `Bearer ${await otherIssuer.mint(rightRequest(route))}`],
    [
      'a wrong audience',
      async () => `Bearer ${await fixture.issuer.mint(rightRequest(route), { audience: 'other-api' })}`,
    ],
    [
      'a wrong issuer',
      async () =>
        `Bearer ${await fixture.issuer.mint(rightRequest(route), { issuer: 'https://evil.example' })}`,
    ],
    [
      'an unsigned token (alg none)',
      async () =>
        `Bearer ${new UnsecuredJWT({ scope: 'phone-security/partner phone-security/user', sub: 'x' })
          .setIssuer(fixture.issuer.issuer)
          .setAudience(fixture.issuer.audience)
          .setExpirationTime('1h')
          .encode()}`,
    ],
    [
      'an HS256 token keyed with the public key',
      async () => {
        const jwk = fixture.issuer.jwks().keys[0]!;
        const pem = createPublicKey({ key: jwk as never, format: 'jwk' }).export({
          type: 'spki',
          format: 'pem',
        });
        const token = await new SignJWT({ scope: 'phone-security/partner phone-security/user' })
          .setProtectedHeader({ alg: 'HS256', kid: jwk.kid! })
          .setIssuer(fixture.issuer.issuer)
          .setAudience(fixture.issuer.audience)
          .setSubject('a1b2c3')
          .setIssuedAt(Math.floor(clock.now().getTime() / 1000))
          .setExpirationTime(Math.floor(clock.now().getTime() / 1000) + 600)
          .sign(new TextEncoder().encode(pem as string));
        return `Bearer ${token}`;
      },
    ],
    ['garbage', async () => 'Bearer not.a.jwt'],
  ];

  it.each(refusals)('answers 401 to %s', async (_, token) => {
    const response = await call(route, await token());
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="phone-security"/);
    expectErrorShape(route, response.body, 401, 16);
  });

  it("answers 403 to the other API's token", async () => {
    const response = await call(route, `Bearer ${await fixture.issuer.mint(wrongRequest(route))}`);
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expectErrorShape(route, response.body, 403, 7);
  });

  it('answers 403 to a token without scope', async () => {
    const token = await fixture.issuer.mint({ kind: 'custom', subject: uniquePerson() });
    const response = await call(route, `Bearer ${token}`);
    expect(response.status).toBe(403);
    expectErrorShape(route, response.body, 403, 7);
  });

  it('answers 403 to a token carrying both the partner and the user scope', async () => {
    const token = await fixture.issuer.mint({
      kind: 'custom',
      subject: uniquePerson(),
      scope: 'phone-security/partner phone-security/user',
    });
    const response = await call(route, `Bearer ${token}`);
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expectErrorShape(route, response.body, 403, 7);
  });

  it('lets the right token through the authorizer', async () => {
    const response = await call(route, `Bearer ${await fixture.issuer.mint(rightRequest(route))}`);
    expect([401, 403]).not.toContain(response.status);
  });
});

describe('end-user tokens', () => {
  it('refuse a token carrying both the user and the partner scope', async () => {
    const token = await fixture.issuer.mint({
      kind: 'custom',
      subject: uniquePerson(),
      scope: 'phone-security/user phone-security/partner',
    });
    const response = await fixture.withToken(token).get('/auth/v1/users/me/phone');
    expect(response.status).toBe(403);
    expect(response.body.code).toBe(7);
  });

  const asTokenSays = (token: string) =>
    JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());

  it('refuse a numeric subject (RFC 7519 wants a string; API Gateway would pass it on as "12345")', async () => {
    // The point is a claim of the wrong JSON type, which the payload type does not allow.
    const claims = { sub: 12345 } as unknown as JWTPayload;
    const token = await fixture.issuer.mint({ kind: 'custom', scope: 'phone-security/user' }, { claims });
    expect(asTokenSays(token).sub).toBe(12345);
    const response = await fixture.withToken(token).get('/auth/v1/users/me/phone');
    expect(response.status).toBe(403);
    expect(response.body.code).toBe(7);
  });

  it('refuse an empty subject', async () => {
    const token = await fixture.issuer.mint({ kind: 'custom', subject: '', scope: 'phone-security/user' });
    expect(asTokenSays(token).sub).toBe('');
    const response = await fixture.withToken(token).get('/auth/v1/users/me/phone');
    expect(response.status).toBe(403);
    expect(response.body.code).toBe(7);
  });

  it('refuse a subject that is not a person id', async () => {
    const token = await fixture.issuer.mint({
      kind: 'custom',
      subject: 'a/b c',
      scope: 'phone-security/user',
    });
    const response = await fixture.withToken(token).get('/auth/v1/users/me/phone');
    expect(response.status).toBe(403);
  });

  it("cannot use the partner API, not even for the person's own path", async () => {
    const person = uniquePerson();
    const me = fixture.user(person);
    const response = await me.get(`/v1/persons/${person}/mobile_number`);
    expect(response.status).toBe(403);
    expect(response.body.errors[0].code).toBe('insufficient_scope');
  });
});

describe('the development issuer', () => {
  it('publishes its public key set, without private parts', async () => {
    const response = await fixture.anonymous().get('/.well-known/jwks.json');
    expect(response.status).toBe(200);
    const [key] = response.body.keys;
    expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) });
    expect(key).not.toHaveProperty('d');
    expect(key).not.toHaveProperty('p');
  });
});
