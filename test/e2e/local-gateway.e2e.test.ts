import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { MAX_DRAINED_BODY } from '../../shared/local/gateway.ts';
import { uniquePerson, useService } from '../support/fixture.ts';

const fixture = useService();

const ME = '/auth/v1/users/me/phone';
const numberPath = () => `/v1/persons/${uniquePerson()}/mobile_number`;

const solarisError = (status: number, code: string) => ({
  errors: [{ id: expect.any(String), status, code, title: expect.any(String), detail: expect.any(String) }],
});
const zitadelError = (code: number) => ({ code, message: expect.any(String), details: expect.any(Array) });

/** A JSON body of about `bytes` bytes. */
const bodyOf = (bytes: number) => JSON.stringify({ number: '+15550101', device_data: 'x'.repeat(bytes) });

/** One request with Node's own client, which (unlike fetch) can send `Expect: 100-continue`. */
function nodeRequest(path: string, body: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: unknown; bodySent: boolean }>((resolve, reject) => {
    let bodySent = false;
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port: fixture.port,
        path,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () =>
          resolve({
            status: response.statusCode!,
            body: JSON.parse(Buffer.concat(chunks).toString()),
            bodySent,
          }),
        );
      },
    );
    request.on('error', reject);
    if (headers.expect) {
      request.on('continue', () => {
        bodySent = true;
        request.end(body);
      });
    } else {
      bodySent = true;
      request.end(body);
    }
  });
}

/** Raw bytes on a fresh connection; resolves with everything the server sent before it closed. */
function rawExchange(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(fixture.port, '127.0.0.1', () => socket.write(bytes));
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    socket.on('end', () => resolve(received));
    socket.on('error', reject);
  });
}

const parseRaw = (raw: string) => {
  const [head, body] = raw.split('\r\n\r\n') as [string, string];
  return { status: Number(head.split(' ')[1]), head, body: JSON.parse(body) };
};

describe('bodies over the local 1 MiB limit', () => {
  it.each([1_100_000, 2_000_000])('answer 413 to fetch at %i bytes, in each API’s shape', async (bytes) => {
    const partner = await fixture.partner().raw('POST', numberPath(), bodyOf(bytes));
    expect(partner.status).toBe(413);
    expect(partner.body).toEqual(solarisError(413, 'payload_too_large'));
    const user = await fixture.user(uniquePerson()).raw('PUT', ME, bodyOf(bytes));
    expect(user.status).toBe(413);
    expect(user.body).toEqual(zitadelError(3));
  });

  it("answer 413 to Node's client, and before the body is sent when it asks first (Expect: 100-continue)", async () => {
    const plain = await nodeRequest(numberPath(), bodyOf(2_000_000));
    expect(plain).toMatchObject({
      status: 413,
      bodySent: true,
      body: solarisError(413, 'payload_too_large'),
    });
    const asking = await nodeRequest(numberPath(), bodyOf(2_000_000), { expect: '100-continue' });
    expect(asking).toMatchObject({
      status: 413,
      bodySent: false,
      body: solarisError(413, 'payload_too_large'),
    });
    const small = await nodeRequest(numberPath(), JSON.stringify({ number: '+15550101' }), {
      expect: '100-continue',
    });
    expect(small).toMatchObject({ status: 401, bodySent: true });
  });

  it('stops reading past the drain limit, and the server keeps serving', async () => {
    const result = await fixture
      .partner()
      .raw('POST', numberPath(), bodyOf(MAX_DRAINED_BODY + 1_000_000))
      .then((r) => r.status)
      .catch(() => 'connection closed');
    expect([413, 'connection closed']).toContain(result);
    expect((await fixture.partner().post(numberPath(), { number: '+15550101' })).status).toBe(201);
  });
});

describe("requests Node's HTTP parser refuses", () => {
  it('answer 400 in the error shape of their path, and close', async () => {
    const user = parseRaw(await rawExchange(`GET ${ME} HTTP/1.1\r\nHost: x\r\nNot a header\r\n\r\n`));
    expect(user.status).toBe(400);
    expect(user.head).toMatch(/\r\nConnection: close(\r\n|$)/i);
    expect(user.body).toEqual(zitadelError(3));
    const partner = parseRaw(
      await rawExchange(`GET ${numberPath()} HTTP/1.1\r\nHost: x\r\nNot a header\r\n\r\n`),
    );
    expect(partner.body).toEqual(solarisError(400, 'malformed_request'));
    const garbage = parseRaw(await rawExchange('NOT HTTP AT ALL\r\n\r\n'));
    expect(garbage.body).toEqual(solarisError(400, 'malformed_request'));
  });

  it.each([
    ['a lower-case method', `get ${ME} HTTP/1.1\r\nHost: x\r\n\r\n`],
    ['a method with a space in it', `GE T ${ME} HTTP/1.1\r\nHost: x\r\n\r\n`],
    ['a method of no token characters', `G\u00e9T ${ME} HTTP/1.1\r\nHost: x\r\n\r\n`],
  ])('answer 400 in the Zitadel shape under /auth/v1 for %s', async (_, bytes) => {
    const answer = parseRaw(await rawExchange(bytes));
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual(zitadelError(3));
  });

  it('answer 431 to headers over 16 KiB', async () => {
    const big = `X-Padding: ${'a'.repeat(20_000)}\r\n`;
    const user = parseRaw(await rawExchange(`GET ${ME} HTTP/1.1\r\nHost: x\r\n${big}\r\n`));
    expect(user.status).toBe(431);
    expect(user.body).toEqual(zitadelError(3));
    const partner = parseRaw(await rawExchange(`GET ${numberPath()} HTTP/1.1\r\nHost: x\r\n${big}\r\n`));
    expect(partner.body).toEqual(solarisError(431, 'request_header_fields_too_large'));
  });
});

describe('paths and methods without a route', () => {
  it('answer 404 in the Zitadel shape under /auth/v1 and in the Solaris shape elsewhere', async () => {
    const user = fixture.user(uniquePerson());
    for (const [method, path] of [
      ['GET', '/auth/v1/users/me/nothing'],
      ['POST', ME],
      ['PATCH', ME],
      ['GET', `${ME}/`],
      ['GET', '/auth/v1'],
    ] as const) {
      const answer = await user.raw(method, path);
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.body, `${method} ${path}`).toEqual(zitadelError(5));
    }
    for (const [method, path] of [
      ['GET', '/v1/nothing'],
      ['PATCH', numberPath()],
    ] as const) {
      const answer = await fixture.partner().raw(method, path);
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual(solarisError(404, 'route_not_found'));
    }
  });
});
