import { createHmac } from 'node:crypto';

/** `Solaris-Webhook-Signature` value: `sha256=` and the hex HMAC-SHA256 of the exact body bytes under the secret. */
export const signBody = (secret: string, body: string) =>
  `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
