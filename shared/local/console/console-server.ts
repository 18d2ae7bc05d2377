import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { DevIssuer } from '../../auth/dev-issuer.ts';
import type { DomainEvent } from '../../events/event.ts';
import { errorResponse } from '../../http/error-mapping.ts';
import { DomainError } from '../../http/errors.ts';
import type { OutboxEntry } from '../../sms/outbox-sms-sender.ts';
import type { ConsoleDeliveryAttempt, FeedItem, LocalFeed } from './feed.ts';
import { codeIn } from './sms-code.ts';

/** The console's paths: none of them is a route of the deployed stack (a CDK test holds the stack to that). */
/** JSON bodies only: a cross-site page or form cannot send one without a CORS preflight, which this server never grants. */
const isJson = (request: IncomingMessage) =>
  /^application\/json\b/i.test(request.headers['content-type'] ?? '');
const unsupportedMediaType = (detail: string) =>
  new DomainError(415, 'unsupported_media_type', 'Unsupported Media Type', detail);

export const CONSOLE_PATHS = {
  page: '/',
  assets: '/console/',
  openApi: '/openapi.json',
  stream: '/_local/console/stream',
  tokens: '/_local/tokens',
  clear: '/_local/console/clear',
  retry: '/_local/console/retry',
} as const;

/** An SMS as the console shows it: the outbox entry and, for a text that carries one, the OTP or TAN in it. */
export type ConsoleSms = OutboxEntry & { code?: { value: string; index: number } };

export interface ConsoleSnapshot {
  sms: ConsoleSms[];
  events: Array<{ event: DomainEvent; published_at: string }>;
  deliveries: ConsoleDeliveryAttempt[];
}

export interface ConsoleOptions {
  feed: LocalFeed;
  issuer: DevIssuer;
  /** The OpenAPI document of this service (built once, on first request). */
  openApi: () => Promise<Record<string, unknown>>;
  /** How many of each kind the console keeps for a page that opens later (newest kept). */
  keep?: number;
  /** Empties the SMS outbox and the event log behind `/_local/sms` and `/_local/events` ("Clear all"). */
  clear?: () => void;
  /** Delivers an event to a subscription again now; false when the event is no longer known here. */
  retry?: (eventId: string, subscriptionId: string) => Promise<boolean>;
}

export interface LocalConsole {
  /** Answers the console's requests; resolves false for any other request. */
  handle(request: IncomingMessage, response: ServerResponse, url: URL): Promise<boolean>;
  /** Ends every open live stream. */
  close(): void;
}

const STATIC_DIR = join(dirname(fileURLToPath(import.meta.url)), 'static');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
};
/** The API reference renderer, served from node_modules: only these files of it. */
const RENDERER_FILES = ['swagger-ui-bundle.js', 'swagger-ui.css'];
const VENDOR_ROOT = 'vendor/';
const VENDOR_PREFIX = `${VENDOR_ROOT}swagger-ui/`;

/**
 * Everything the browser may load comes from this server: the policy makes the page itself refuse any other origin.
 * Swagger UI sets inline styles, hence 'unsafe-inline' for styles only; scripts are files of this origin.
 */
const PAGE_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

interface Asset {
  type: string;
  body: Buffer;
  gzip?: Buffer;
  etag: string;
}

function loadAsset(file: string): Asset {
  const body = readFileSync(file);
  const ext = file.slice(file.lastIndexOf('.'));
  return {
    type: TYPES[ext] ?? 'application/octet-stream',
    body,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
  };
}

/** The console's own files and the renderer's, by the name they are served under (below /console/). */
function assetFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of readdirSync(STATIC_DIR)) files.set(name, join(STATIC_DIR, name));
  try {
    const root = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
    for (const name of RENDERER_FILES) files.set(`${VENDOR_PREFIX}${name}`, join(root, name));
  } catch {
    // Not installed (an install without devDependencies): the API reference tab says so.
  }
  try {
    // The passkey page's WebAuthn helpers (served from here: the page loads nothing from elsewhere).
    const browser = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
    const bundle = join(dirname(browser), '..', 'dist', 'bundle', 'index.umd.min.js');
    files.set(`${VENDOR_ROOT}simplewebauthn-browser.js`, bundle);
  } catch {
    // Not installed: the passkey page says so.
  }
  return files;
}

/** The Host a browser sent names this machine's loopback: a page on another site reached by DNS rebinding is refused. */
function loopbackHost(request: IncomingMessage): string | undefined {
  const host = request.headers.host ?? '';
  return /^(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?$/i.test(host) ? host : undefined;
}

/** Reads a small body; past the limit it rejects with 413 and drains the rest, so the answer still reaches the client. */
function readSmallBody(request: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const tooLarge = () =>
      new DomainError(413, 'payload_too_large', 'Payload Too Large', 'The request body is too large.');
    if (Number(request.headers['content-length'] ?? 0) > limit) {
      request.resume();
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit, keep reading (to drain) but keep nothing; 'end' answers 413.
      if (size > limit) chunks.length = 0;
      else chunks.push(chunk);
    });
    request.on('end', () =>
      size > limit ? reject(tooLarge()) : resolve(Buffer.concat(chunks).toString('utf8')),
    );
    request.on('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  response.end(JSON.stringify(body));
}

function sendError(response: ServerResponse, error: DomainError) {
  const result = errorResponse(error, randomUUID());
  response.writeHead(result.statusCode ?? 500, result.headers as Record<string, string>);
  response.end(result.body);
}

const badRequest = (detail: string) => new DomainError(400, 'validation_error', 'Validation Error', detail);

/** `POST /_local/tokens`: what `npm run token` prints, for the console's Tokens tab. */
export async function mintFromRequest(issuer: DevIssuer, text: string) {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch {
    throw badRequest('The body is not JSON.');
  }
  if (typeof input !== 'object' || input === null) throw badRequest('The body must be a JSON object.');
  const { kind, person_id: personId, expires_in: expiresIn = 3600 } = input as Record<string, unknown>;
  if (kind !== 'partner' && kind !== 'user') throw badRequest('kind must be "partner" or "user".');
  if (!Number.isInteger(expiresIn) || (expiresIn as number) < 1 || (expiresIn as number) > 86_400) {
    throw badRequest('expires_in must be a whole number of seconds between 1 and 86400.');
  }
  if (kind === 'user' && (typeof personId !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(personId))) {
    throw badRequest('person_id must be 1 to 128 printable characters without spaces.');
  }
  if (kind === 'partner' && personId !== undefined) throw badRequest('A partner token has no person_id.');
  const token = await issuer.mint(
    kind === 'user' ? { kind: 'user', personId: personId as string } : { kind: 'partner' },
    { expiresIn: expiresIn as number },
  );
  const { exp } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as {
    exp: number;
  };
  return {
    token,
    kind,
    ...(kind === 'user' ? { person_id: personId } : {}),
    expires_at: new Date(exp * 1000),
  };
}

/**
 * The local console: a page at `/` that shows the SMS outbox, the events the relay publishes and the webhook
 * deliveries as they happen (server-sent events), mints development tokens and renders the OpenAPI document.
 * Local mode only: the gateway of `npm start` asks it first; the deployed stack has no such route.
 */
export function createLocalConsole(options: ConsoleOptions): LocalConsole {
  const keep = options.keep ?? 500;
  const snapshot: ConsoleSnapshot = { sms: [], events: [], deliveries: [] };
  const streams = new Set<ServerResponse>();
  const keepNewest = <T>(list: T[], item: T) => {
    list.push(item);
    if (list.length > keep) list.splice(0, list.length - keep);
  };
  const toConsole = (item: FeedItem): { name: string; data: unknown } => {
    if (item.kind === 'sms') {
      const code = codeIn(item.sms);
      const sms: ConsoleSms = code ? { ...item.sms, code } : { ...item.sms };
      keepNewest(snapshot.sms, sms);
      return { name: 'sms', data: sms };
    }
    if (item.kind === 'event') {
      const event = { event: item.event, published_at: item.published_at };
      keepNewest(snapshot.events, event);
      return { name: 'event', data: event };
    }
    keepNewest(snapshot.deliveries, item.attempt);
    return { name: 'delivery', data: item.attempt };
  };
  const unsubscribe = options.feed.subscribe((item) => {
    const { name, data } = toConsole(item);
    const frame = `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const stream of streams) stream.write(frame);
  });

  const files = assetFiles();
  const assets = new Map<string, Asset>();
  const asset = (name: string): Asset | undefined => {
    const file = files.get(name);
    if (!file) return undefined;
    let found = assets.get(name);
    if (!found) {
      found = loadAsset(file);
      assets.set(name, found);
    }
    return found;
  };
  let openApi: Promise<Record<string, unknown>> | undefined;

  const serveAsset = (request: IncomingMessage, response: ServerResponse, found: Asset) => {
    const headers: Record<string, string> = { ...PAGE_HEADERS, 'Content-Type': found.type, ETag: found.etag };
    if (request.headers['if-none-match'] === found.etag) {
      response.writeHead(304, headers).end();
      return;
    }
    let body = found.body;
    if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? '')) && found.body.length > 1024) {
      found.gzip ??= gzipSync(found.body);
      body = found.gzip;
      headers['Content-Encoding'] = 'gzip';
      headers.Vary = 'Accept-Encoding';
    }
    response.writeHead(200, { ...headers, 'Content-Length': String(body.length) });
    response.end(request.method === 'HEAD' ? undefined : body);
  };

  const openStream = (request: IncomingMessage, response: ServerResponse) => {
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Content-Type-Options': 'nosniff',
    });
    // The snapshot and the live items go down the same stream, so nothing falls between them.
    response.write(`retry: 1000\nevent: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`);
    streams.add(response);
    const heartbeat = setInterval(() => response.write(': keep-alive\n\n'), 15_000);
    request.on('close', () => {
      clearInterval(heartbeat);
      streams.delete(response);
    });
  };

  return {
    async handle(request, response, url) {
      const path = url.pathname;
      const method = request.method ?? 'GET';
      const isConsolePath =
        path === CONSOLE_PATHS.page ||
        path.startsWith(CONSOLE_PATHS.assets) ||
        path === CONSOLE_PATHS.openApi ||
        path === CONSOLE_PATHS.stream ||
        path === CONSOLE_PATHS.tokens ||
        path === CONSOLE_PATHS.clear ||
        path === CONSOLE_PATHS.retry;
      // The outbox and event routes show codes and numbers: the same DNS-rebinding guard as the console's own paths.
      const isLocalPath = path.startsWith('/_local/');
      if (!isConsolePath && !isLocalPath) return false;
      const host = loopbackHost(request);
      if (!host) {
        sendError(
          response,
          new DomainError(
            403,
            'forbidden',
            'Forbidden',
            'The local console and /_local/ routes answer loopback hosts only.',
          ),
        );
        return true;
      }
      if (!isConsolePath) return false;
      const reading = method === 'GET' || method === 'HEAD';
      if (path === CONSOLE_PATHS.clear || path === CONSOLE_PATHS.retry) {
        // The same guard as minting: POST with a JSON body only, which a cross-site page cannot send.
        if (method !== 'POST' || !isJson(request)) {
          sendError(response, unsupportedMediaType('POST application/json.'));
          return true;
        }
        const body = await readSmallBody(request, 4096).catch(() => '');
        if (path === CONSOLE_PATHS.clear) {
          snapshot.sms.length = 0;
          snapshot.events.length = 0;
          snapshot.deliveries.length = 0;
          options.clear?.();
          for (const stream of streams)
            stream.write(`event: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`);
          sendJson(response, 200, { cleared: true });
          return true;
        }
        const { event_id: eventId, subscription_id: subscriptionId } = (() => {
          try {
            return JSON.parse(body) as { event_id?: unknown; subscription_id?: unknown };
          } catch {
            return {};
          }
        })();
        if (typeof eventId !== 'string' || typeof subscriptionId !== 'string') {
          sendError(
            response,
            new DomainError(
              400,
              'validation_error',
              'Validation Error',
              'Send event_id and subscription_id.',
            ),
          );
          return true;
        }
        if (!(await options.retry?.(eventId, subscriptionId))) {
          sendError(
            response,
            new DomainError(404, 'model_not_found', 'Model Not Found', 'No such event here.'),
          );
          return true;
        }
        sendJson(response, 202, { retrying: true });
        return true;
      }
      if (path === CONSOLE_PATHS.tokens) {
        if (method !== 'POST') {
          sendError(response, new DomainError(405, 'method_not_allowed', 'Method Not Allowed', 'Use POST.'));
          return true;
        }
        // JSON only: a cross-site form cannot send it without a CORS preflight, which this server never grants.
        if (!isJson(request)) {
          sendError(response, unsupportedMediaType('Send application/json.'));
          return true;
        }
        try {
          sendJson(response, 201, await mintFromRequest(options.issuer, await readSmallBody(request, 4096)));
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          sendError(response, error);
        }
        return true;
      }
      if (!reading) {
        sendError(response, new DomainError(405, 'method_not_allowed', 'Method Not Allowed', 'Use GET.'));
        return true;
      }
      if (path === CONSOLE_PATHS.stream) {
        openStream(request, response);
        return true;
      }
      if (path === CONSOLE_PATHS.openApi) {
        openApi ??= options.openApi();
        const document = await openApi;
        sendJson(response, 200, {
          ...document,
          servers: [{ url: `http://${host}`, description: 'This local server' }],
        });
        return true;
      }
      const found = asset(
        path === CONSOLE_PATHS.page ? 'index.html' : path.slice(CONSOLE_PATHS.assets.length),
      );
      if (!found) {
        sendError(response, new DomainError(404, 'route_not_found', 'Not Found', `No console file ${path}.`));
        return true;
      }
      serveAsset(request, response, found);
      return true;
    },
    close() {
      unsubscribe();
      for (const stream of streams) stream.end();
      streams.clear();
    },
  };
}
