// A webhook receiver that checks signatures. Run: WEBHOOK_SECRETS='{"<subscription id>":"<secret>"}' node docs/webhook-receiver.example.mjs
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

// Subscription id -> the `secret` that POST /v1/webhooks answered (once) for it.
const secrets = JSON.parse(process.env.WEBHOOK_SECRETS ?? '{}');

const signatureValid = (body, headers) => {
  const secret = secrets[headers['solaris-webhook-subscription-id']];
  if (!secret) return false;
  const header = headers['solaris-webhook-signature'];
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(String(header ?? ''));
  return given.length === expected.length && timingSafeEqual(given, expected);
};

createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    // The subscription check comes before any secret exists: it is unsigned and has an empty body.
    if (req.headers['solaris-webhook-event-type'] === 'WEBHOOK-SUBSCRIPTION') return res.writeHead(200).end();
    if (!signatureValid(body, req.headers)) return res.writeHead(401).end();
    const event = JSON.parse(body);
    console.log(
      req.headers['solaris-webhook-attempt'],
      event.metadata.type,
      event.metadata.id,
      JSON.stringify(event.data),
    );
    res.writeHead(200).end(); // store event.metadata.id first: a redelivery must change nothing
  });
}).listen(4000, '127.0.0.1');
