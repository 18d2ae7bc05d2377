// A webhook receiver that refuses forged, stale and replayed deliveries.
// Run: WEBHOOK_SECRETS='{"<subscription id>":"<secret>"}' node docs/webhook-receiver.example.mjs   (PORT: 4400)
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

// Subscription id -> the `secret` that POST /v1/webhooks answered (once) for it.
const secrets = JSON.parse(process.env.WEBHOOK_SECRETS ?? '{}');
// Standard Webhooks' default: a delivery signed more than 5 minutes from now is refused.
const TOLERANCE_SECONDS = 5 * 60;
// Ids seen, by subscription, each with the newest timestamp it was signed with. An id is forgotten only once that
// timestamp is out of the window: a replay of any delivery seen is then a duplicate id while its timestamp is still
// accepted, and stale after (also when the sender's clock is ahead of ours).
const seen = new Map();

const equal = (a, b) => {
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
};

// `webhook-signature`: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body` under the secret (Standard Webhooks;
// `new Webhook(standard_webhooks_secret).verify(body, headers)` from the `standardwebhooks` package does the same).
const check = (body, headers, now) => {
  const secret = secrets[headers['solaris-webhook-subscription-id']];
  const id = headers['webhook-id'];
  const timestamp = Number(headers['webhook-timestamp']);
  if (!secret || !id || !Number.isInteger(timestamp)) return 'unsigned';
  if (Math.abs(now - timestamp) > TOLERANCE_SECONDS) return 'stale';
  const signed = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), body]);
  const expected = `v1,${createHmac('sha256', secret).update(signed).digest('base64')}`;
  const given = String(headers['webhook-signature'] ?? '').split(' ');
  if (!given.some((signature) => equal(signature, expected))) return 'forged';
  return 'valid';
};

createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    // The subscription check comes before any secret exists: it is unsigned and has an empty body.
    if (req.headers['solaris-webhook-event-type'] === 'WEBHOOK-SUBSCRIPTION') return res.writeHead(200).end();
    const now = Math.floor(Date.now() / 1000);
    const verdict = check(body, req.headers, now);
    if (verdict !== 'valid') return res.writeHead(401).end(verdict);
    for (const [key, signedAt] of seen) if (now - signedAt > TOLERANCE_SECONDS) seen.delete(key);
    const key = `${req.headers['solaris-webhook-subscription-id']}/${req.headers['webhook-id']}`;
    const timestamp = Number(req.headers['webhook-timestamp']);
    // A duplicate is acknowledged, never processed again (a genuine redelivery must stop, a replay gains nothing).
    if (seen.has(key)) {
      seen.set(key, Math.max(seen.get(key), timestamp));
      return res.writeHead(200).end('duplicate');
    }
    seen.set(key, timestamp);
    const event = JSON.parse(body);
    console.log(
      req.headers['solaris-webhook-attempt'],
      event.metadata.type,
      event.metadata.id,
      JSON.stringify(event.data),
    );
    // Retries can come days later (each freshly signed): store event.metadata.id with what it changes, so a
    // redelivery after the window changes nothing either.
    res.writeHead(200).end();
  });
}).listen(Number(process.env.PORT ?? 4400), '127.0.0.1');
