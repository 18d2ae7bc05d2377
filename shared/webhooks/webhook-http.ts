import { lookup } from 'node:dns/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import type { ResolvedTarget, Resolver } from './url-guard.ts';

export interface WebhookPost {
  target: ResolvedTarget;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

/** The receiver's answer; a transport failure (refused, reset, TLS, timeout) is `{error}` instead. */
export type WebhookReply = { status: number } | { error: string };

/** Outbound HTTP for webhooks: the verification POST and deliveries. */
export interface WebhookHttp {
  resolve: Resolver;
  post(request: WebhookPost): Promise<WebhookReply>;
}

/** Answers every lookup with the address the guard already checked, so the connection goes exactly there. */
const pinnedLookup =
  (address: string, family: 4 | 6): LookupFunction =>
  (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) {
      (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [
        { address, family },
      ]);
    } else callback(null, address, family);
  };

/**
 * Node's http(s) client with the checked address pinned. Redirects are not followed (a 3xx is just a non-2xx), the
 * response body is never read, and the whole exchange is bounded by the timeout.
 */
export const nodeWebhookHttp: WebhookHttp = {
  resolve: async (hostname) => lookup(hostname, { all: true, verbatim: true }),
  post: ({ target, headers, body, timeoutMs }) =>
    new Promise<WebhookReply>((resolve) => {
      const { url } = target;
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
      let settled = false;
      const finish = (reply: WebhookReply) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(reply);
      };
      const req = send({
        method: 'POST',
        protocol: url.protocol,
        hostname,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
        lookup: pinnedLookup(target.address, target.family),
        agent: false,
        ...(url.protocol === 'https:' && !isIP(hostname) ? { servername: hostname } : {}),
      });
      const timer = setTimeout(() => {
        finish({ error: `timeout after ${timeoutMs} ms` });
        req.destroy();
      }, timeoutMs);
      req.on('response', (response) => {
        finish({ status: response.statusCode ?? 0 });
        response.destroy();
      });
      req.on('error', (error) => finish({ error: error.message }));
      req.end(body);
    }),
};
