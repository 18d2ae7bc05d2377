import { createHmac } from 'node:crypto';

/** `Solaris-Webhook-Signature` value: `sha256=` and the hex HMAC-SHA256 of the exact body bytes under the secret. */
export const signBody = (secret: string, body: string) =>
  `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;

/**
 * Standard Webhooks (standardwebhooks.com, spec 1.0.0, symmetric scheme), signed beside the Solaris signature:
 * `webhook-signature` is `v1,` and the base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}`. Signing the
 * id and the attempt's time lets a receiver refuse replays (a stale timestamp, an id seen before).
 *
 * The HMAC key is the same key the Solaris signature uses: the bytes of the subscription's secret as the create
 * answer shows it (64 hex characters, used as 64 ASCII bytes; the spec asks for at least 24 random bytes and allows
 * reusing a legacy secret). The spec serializes keys as `whsec_` and their base64, which is what
 * `standard_webhooks_secret` in the create answer holds, ready for Standard Webhooks libraries.
 */
export const STANDARD_WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

export const standardWebhooksSecret = (secret: string) =>
  `whsec_${Buffer.from(secret, 'utf8').toString('base64')}`;

export function signStandardWebhook(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string,
): string {
  const signed = `${id}.${timestampSeconds}.${body}`;
  return `v1,${createHmac('sha256', secret).update(signed, 'utf8').digest('base64')}`;
}

/** The three Standard Webhooks headers for one delivery attempt at `now`. */
export function standardWebhookHeaders(secret: string, id: string, now: Date, body: string) {
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    [STANDARD_WEBHOOK_HEADERS.id]: id,
    [STANDARD_WEBHOOK_HEADERS.timestamp]: String(timestamp),
    [STANDARD_WEBHOOK_HEADERS.signature]: signStandardWebhook(secret, id, timestamp, body),
  };
}
