import { request as httpRequest, type IncomingMessage } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../shared/routes.ts';
import { uniquePerson, useService } from '../support/fixture.ts';

// biome-ignore lint/suspicious/noExplicitAny: answers are inspected field by field
type Json = any;

const fixture = useService({ env: { EVENT_RELAY_POLL_MS: '50' } });

/** A raw request, so the test can send any Host header (fetch will not). */
function raw(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: fixture.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const mint = (body: unknown, contentType = 'application/json') =>
  fetch(`${fixture.url}/_local/tokens`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('the console page and its files', () => {
  it('serves the page at / with a policy that allows this origin only', async () => {
    const page = await raw('GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['content-security-policy']).toContain("connect-src 'self'");
    expect(page.body.toString()).toContain('<title>Local console');
  });

  it('serves its script gzipped on request, answers 304 to a matching ETag, and nothing outside its files', async () => {
    const plain = await raw('GET', '/console/console.js');
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const zipped = await raw('GET', '/console/console.js', { 'accept-encoding': 'gzip' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
    const again = await raw('GET', '/console/console.js', { 'if-none-match': String(plain.headers.etag) });
    expect(again.status).toBe(304);
    expect((await raw('GET', '/console/%2e%2e/%2e%2e/package.json')).status).toBe(404);
    expect((await raw('GET', '/console/vendor/swagger-ui/package.json')).status).toBe(404);
    const renderer = await raw('GET', '/console/vendor/swagger-ui/swagger-ui-bundle.js');
    expect(renderer.status).toBe(200);
    expect(renderer.body.length).toBeGreaterThan(100_000);
  });

  it('refuses a Host that is not loopback (DNS rebinding) and methods it does not serve', async () => {
    const paths = [
      '/',
      '/openapi.json',
      '/_local/console/stream',
      '/console/console.js',
      '/_local/sms',
      '/_local/events',
    ];
    for (const path of paths) {
      expect((await raw('GET', path, { host: 'attacker.example' })).status).toBe(403);
    }
    expect((await raw('GET', '/', { host: `localhost:${fixture.port}` })).status).toBe(200);
    // The outbox shows codes and numbers: also only to a loopback Host.
    expect((await raw('GET', '/_local/sms', { host: `127.0.0.1:${fixture.port}` })).status).toBe(200);
    expect((await raw('POST', '/')).status).toBe(405);
    expect((await raw('GET', '/_local/tokens')).status).toBe(405);
  });

  it('serves the OpenAPI document with this server as its server', async () => {
    const document: Json = await (await fetch(`${fixture.url}/openapi.json`)).json();
    expect(document.openapi).toBe('3.1.0');
    expect(document.servers).toEqual([{ url: fixture.url, description: 'This local server' }]);
    const operations = Object.values(document.paths as Record<string, object>).flatMap(Object.keys);
    expect(operations).toHaveLength(ROUTES.length);
  });
});

describe('tokens', () => {
  it('mints partner and user tokens the server accepts', async () => {
    const partner = await mint({ kind: 'partner' });
    expect(partner.status).toBe(201);
    const { token, expires_at }: Json = await partner.json();
    expect(Date.parse(expires_at) - Date.now()).toBeGreaterThan(3500_000);
    const asPartner = fixture.withToken(token);
    expect((await asPartner.get(`/v1/persons/${uniquePerson()}/mobile_number`)).status).toBe(404);

    const person = uniquePerson();
    const user: Json = await (await mint({ kind: 'user', person_id: person, expires_in: 60 })).json();
    expect(user).toMatchObject({ kind: 'user', person_id: person });
    expect(Date.parse(user.expires_at) - Date.now()).toBeLessThanOrEqual(60_000);
    const asUser = fixture.withToken(user.token);
    expect((await asUser.get('/auth/v1/users/me/phone')).status).not.toBe(401);
    expect((await asUser.get(`/v1/persons/${person}/mobile_number`)).status).toBe(403);
  });

  it.each([
    [{}, 'kind'],
    [{ kind: 'admin' }, 'kind'],
    [{ kind: 'user' }, 'person_id'],
    [{ kind: 'user', person_id: 'has space' }, 'person_id'],
    [{ kind: 'partner', person_id: 'p1' }, 'person_id'],
    [{ kind: 'partner', expires_in: 0 }, 'expires_in'],
    [{ kind: 'partner', expires_in: 86_401 }, 'expires_in'],
    [{ kind: 'partner', expires_in: '60' }, 'expires_in'],
    ['[1', 'JSON'],
    ['null', 'object'],
  ])('refuses %j with a 400 naming %s', async (body, word) => {
    const answer = await mint(body);
    expect(answer.status).toBe(400);
    const { errors }: Json = await answer.json();
    expect(errors[0]).toMatchObject({ status: 400, code: 'validation_error' });
    expect(errors[0].detail).toContain(word);
  });

  it('takes JSON only (a cross-site form cannot mint) and small bodies only', async () => {
    expect((await mint('kind=partner', 'application/x-www-form-urlencoded')).status).toBe(415);
    expect((await mint({ kind: 'partner', pad: 'x'.repeat(5000) })).status).toBe(413);
  });
});

describe('the live stream', () => {
  it('opens with a snapshot, then sends each SMS (with person and code) and each event as it happens', async () => {
    const frames: Array<{ event: string; data: unknown }> = [];
    const controller = new AbortController();
    const response = await fetch(`${fixture.url}/_local/console/stream`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    const next = async (event: string) => {
      for (;;) {
        const found = frames.findIndex((frame) => frame.event === event);
        if (found >= 0) return frames.splice(found, 1)[0]!.data as Record<string, unknown>;
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffer += value;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const name = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (name && data) frames.push({ event: name, data: JSON.parse(data) });
          end = buffer.indexOf('\n\n');
        }
      }
    };
    try {
      expect(await next('snapshot')).toMatchObject({ sms: expect.any(Array), events: expect.any(Array) });
      const api = fixture.partner();
      const person = uniquePerson();
      const number = '+4915123450000';
      expect((await api.post(`/v1/persons/${person}/mobile_number`, { number })).status).toBe(201);
      expect((await api.post(`/v1/persons/${person}/mobile_number/authorize`, { number })).status).toBe(201);
      const sms = await next('sms');
      const otp = await fixture.lastSms(number);
      expect(sms).toMatchObject({
        to: number,
        person_id: person,
        language: 'en',
        template_key: 'sms.mobile_number.verify_number',
        code: { value: otp, index: (sms.text as string).indexOf(otp) },
      });
      const event = await next('event');
      expect(event).toMatchObject({
        event: { metadata: { type: 'PERSON_MOBILE_NUMBER_CREATED' }, data: { person_id: person } },
      });
      // The outbox itself now names the person too.
      const outbox = await fixture.outbox();
      expect(outbox.at(-1)).toMatchObject({ to: number, person_id: person });
    } finally {
      controller.abort();
    }
  });
});
