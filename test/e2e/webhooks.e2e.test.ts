import { createHmac, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it, vi } from 'vitest';
import { nodeWebhookHttp, type WebhookHttp } from '../../shared/webhooks/webhook-http.ts';
import { bindWithOpenssl, verifiedPerson } from '../support/devices.ts';
import { uniquePerson, useService } from '../support/fixture.ts';
import { OpensslKey } from '../support/openssl.ts';
import { eventually, type ReceivedRequest, startReceiver } from '../support/receiver.ts';

const outbound: string[] = [];
/** Every outbound webhook request and DNS lookup goes through here, so tests can see what left the service. */
const watchedHttp: WebhookHttp = {
  resolve: (hostname) => {
    outbound.push(`resolve ${hostname}`);
    return nodeWebhookHttp.resolve(hostname);
  },
  post: (request) => {
    outbound.push(`post ${request.target.address}`);
    return nodeWebhookHttp.post(request);
  },
};

const fixture = useService({
  env: { WEBHOOK_RETRY_BASE_SECONDS: '0.05', EVENT_RELAY_POLL_MS: '50' },
  webhookHttp: watchedHttp,
});
const api = fixture.api;

const verifySignature = (secret: string, request: ReceivedRequest) => {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(request.body).digest('hex')}`);
  const given = Buffer.from(String(request.headers['solaris-webhook-signature']));
  return given.length === expected.length && timingSafeEqual(given, expected);
};

/** The headers a Standard Webhooks verifier reads, as the receiver got them. */
const headersOf = (request: ReceivedRequest) =>
  Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));

async function subscribe(eventType: string, url: string) {
  const created = await api.post('/v1/webhooks', { event_type: eventType, url });
  expect(created.status).toBe(201);
  return created.body as {
    id: string;
    event_type: string;
    url: string;
    secret: string;
    standard_webhooks_secret: string;
  };
}

describe('subscriptions', () => {
  it('verifies the URL with an empty POST, answers the secret once, then lists, reads and deletes', async () => {
    const receiver = await startReceiver();
    try {
      const created = await subscribe('PERSON_MOBILE_NUMBER_CREATED', `${receiver.url}/hooks`);
      expect(created).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{32}whk$/),
        event_type: 'PERSON_MOBILE_NUMBER_CREATED',
        url: `${receiver.url}/hooks`,
        secret: expect.stringMatching(/^[0-9a-f]{64}$/),
        standard_webhooks_secret: `whsec_${Buffer.from(created.secret).toString('base64')}`,
      });
      expect(receiver.requests).toHaveLength(1);
      expect(receiver.requests[0]!.headers['solaris-webhook-event-type']).toBe('WEBHOOK-SUBSCRIPTION');
      expect(receiver.requests[0]!.body).toBe('');

      const { secret: _secret, standard_webhooks_secret: _standard, ...view } = created;
      expect((await api.get(`/v1/webhooks/${created.id}`)).body).toEqual(view);
      expect((await api.get('/v1/webhooks')).body).toContainEqual(view);
      expect(JSON.stringify((await api.get('/v1/webhooks')).body)).not.toContain(created.secret);

      expect((await api.delete(`/v1/webhooks/${created.id}`)).status).toBe(204);
      expect((await api.get(`/v1/webhooks/${created.id}`)).status).toBe(404);
      expect((await api.delete(`/v1/webhooks/${created.id}`)).status).toBe(404);
    } finally {
      await receiver.close();
    }
  });

  it('belongs to the partner client that created it: another client cannot list, read or delete it', async () => {
    const receiver = await startReceiver();
    try {
      const clientA = fixture.withToken(await fixture.issuer.mint({ kind: 'partner', clientId: 'bank-a' }));
      const clientB = fixture.withToken(await fixture.issuer.mint({ kind: 'partner', clientId: 'bank-b' }));
      const created = await clientA.post('/v1/webhooks', {
        event_type: 'PERSON_MOBILE_NUMBER_DELETED',
        url: `${receiver.url}/a`,
      });
      expect(created.status).toBe(201);
      const id = created.body.id as string;

      expect((await clientB.get('/v1/webhooks')).body.map((w: { id: string }) => w.id)).not.toContain(id);
      expect((await clientB.get(`/v1/webhooks/${id}`)).status).toBe(404);
      expect((await clientB.delete(`/v1/webhooks/${id}`)).status).toBe(404);

      expect((await clientA.get('/v1/webhooks')).body.map((w: { id: string }) => w.id)).toContain(id);
      expect((await clientA.get(`/v1/webhooks/${id}`)).status).toBe(200);
      expect((await clientA.delete(`/v1/webhooks/${id}`)).status).toBe(204);
    } finally {
      await receiver.close();
    }
  });

  it.each([500, 302, 404])('is not created when the verification POST gets %i', async (status) => {
    const receiver = await startReceiver(() => status);
    try {
      const before = (await api.get('/v1/webhooks')).body.length;
      const refused = await api.post('/v1/webhooks', {
        event_type: 'PERSON_MOBILE_NUMBER_CREATED',
        url: receiver.url,
      });
      expect(refused.status).toBe(400);
      expect(refused.body.errors[0].source.field).toBe('url');
      expect(receiver.requests).toHaveLength(1);
      expect((await api.get('/v1/webhooks')).body).toHaveLength(before);
    } finally {
      await receiver.close();
    }
  });

  it('refuses unknown event types and malformed bodies with 400', async () => {
    const receiver = await startReceiver();
    try {
      expect((await api.post('/v1/webhooks', { event_type: 'NOPE', url: receiver.url })).status).toBe(400);
      expect((await api.post('/v1/webhooks', { url: receiver.url })).status).toBe(400);
      expect(receiver.requests).toHaveLength(0);
    } finally {
      await receiver.close();
    }
  });

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://10.0.0.1/',
    'https://192.168.1.10/',
    'https://172.16.0.1/',
    'https://100.64.0.1/',
    'https://0.0.0.0/',
    'https://[::ffff:169.254.169.254]/',
    'https://[fe80::1]/',
    'https://[fd00::1]/',
    'http://2852039166/',
    'http://0xa9.0xfe.0xa9.0xfe/',
    'http://0251.0376.0251.0376/',
    'https://224.0.0.1/',
    'ftp://127.0.0.1/',
    'http://user:pass@127.0.0.1/',
  ])('refuses %s before sending anything', async (url) => {
    outbound.length = 0;
    const refused = await api.post('/v1/webhooks', { event_type: 'PERSON_MOBILE_NUMBER_CREATED', url });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].source.field).toBe('url');
    expect(outbound).toEqual([]);
  });
});

describe('deliveries', () => {
  it('delivers device events too: a binding reaches a DEVICE_BOUND subscriber, signed', async () => {
    const receiver = await startReceiver();
    try {
      const onBound = await subscribe('DEVICE_BOUND', `${receiver.url}/bound`);
      const person = await verifiedPerson(fixture);
      const device = await bindWithOpenssl(fixture, person, OpensslKey.generate());
      const mine = () =>
        receiver.deliveries().filter((r) => JSON.parse(r.body).data.person_id === person.personId);
      await eventually(() => expect(mine()).toHaveLength(1));
      const delivery = mine()[0]!;
      expect(JSON.parse(delivery.body)).toMatchObject({
        metadata: { type: 'DEVICE_BOUND', version: 1 },
        data: { device_id: device.deviceId, person_id: person.personId, key_id: device.keyId },
      });
      expect(verifySignature(onBound.secret, delivery)).toBe(true);
    } finally {
      await receiver.close();
    }
  });

  it('delivers created and deleted events once each, signed with the subscription secret', async () => {
    const receiver = await startReceiver();
    try {
      const onCreate = await subscribe('PERSON_MOBILE_NUMBER_CREATED', `${receiver.url}/created`);
      const onDelete = await subscribe('PERSON_MOBILE_NUMBER_DELETED', `${receiver.url}/deleted`);
      const person = uniquePerson();
      const created = await api.post(`/v1/persons/${person}/mobile_number`, { number: '+15550101' });
      expect(created.status).toBe(201);
      expect((await api.delete(`/v1/persons/${person}/mobile_number`, { number: '+15550101' })).status).toBe(
        200,
      );

      const mine = () => receiver.deliveries().filter((r) => JSON.parse(r.body).data.person_id === person);
      await eventually(() => expect(mine()).toHaveLength(2));
      const [createdEvent, deletedEvent] = ['/created', '/deleted'].map(
        (p) => mine().find((r) => r.path === p)!,
      );

      expect(JSON.parse(createdEvent!.body)).toEqual({
        metadata: {
          id: expect.any(String),
          type: 'PERSON_MOBILE_NUMBER_CREATED',
          version: 1,
          time: expect.any(String),
        },
        data: { id: created.body.id, person_id: person, number: '+15550101', verified: false },
      });
      expect(createdEvent!.headers).toMatchObject({
        'content-type': 'application/json',
        'solaris-webhook-event-type': 'PERSON_MOBILE_NUMBER_CREATED',
        'solaris-webhook-event-id': JSON.parse(createdEvent!.body).metadata.id,
        'solaris-webhook-attempt': '1',
        'solaris-webhook-subscription-id': onCreate.id,
      });
      expect(verifySignature(onCreate.secret, createdEvent!)).toBe(true);
      expect(verifySignature(onDelete.secret, createdEvent!)).toBe(false);
      expect(deletedEvent!.headers['solaris-webhook-event-type']).toBe('PERSON_MOBILE_NUMBER_DELETED');
      expect(verifySignature(onDelete.secret, deletedEvent!)).toBe(true);

      const log = (await api.get('/_local/events')).body as Array<{
        event: { metadata: { id: string } };
        deliveries: Array<{ outcome: string }>;
      }>;
      const entry = log.find((e) => e.event.metadata.id === JSON.parse(createdEvent!.body).metadata.id)!;
      expect(entry.deliveries.map((d) => d.outcome)).toContain('delivered');
    } finally {
      await receiver.close();
    }
  });

  it('retries a failing receiver with the same event id until it answers 2xx', async () => {
    let failuresLeft = 2;
    const receiver = await startReceiver((request) => {
      if (request.headers['solaris-webhook-event-type'] === 'WEBHOOK-SUBSCRIPTION') return 200;
      return failuresLeft-- > 0 ? 503 : 200;
    });
    try {
      const subscription = await subscribe('PERSON_MOBILE_NUMBER_CREATED', receiver.url);
      const standard = new Webhook(subscription.standard_webhooks_secret);
      const person = uniquePerson();
      await api.post(`/v1/persons/${person}/mobile_number`, { number: '+15550101' });
      await eventually(() => expect(receiver.deliveries()).toHaveLength(3));
      const attempts = receiver.deliveries();
      expect(attempts.map((r) => r.headers['solaris-webhook-attempt'])).toEqual(['1', '2', '3']);
      expect(new Set(attempts.map((r) => r.headers['solaris-webhook-event-id'])).size).toBe(1);
      expect(new Set(attempts.map((r) => r.body)).size).toBe(1);
      // Standard Webhooks: the same webhook-id on every attempt, each attempt signed with its own time.
      expect(new Set(attempts.map((r) => r.headers['webhook-id']))).toEqual(
        new Set([attempts[0]!.headers['solaris-webhook-event-id']]),
      );
      for (const attempt of attempts)
        expect(() => standard.verify(attempt.body, headersOf(attempt))).not.toThrow();
    } finally {
      await receiver.close();
    }
  });

  it('removes the subscription when the receiver answers 410', async () => {
    const receiver = await startReceiver((request) =>
      request.headers['solaris-webhook-event-type'] === 'WEBHOOK-SUBSCRIPTION' ? 200 : 410,
    );
    try {
      const subscription = await subscribe('PERSON_MOBILE_NUMBER_CREATED', receiver.url);
      await api.post(`/v1/persons/${uniquePerson()}/mobile_number`, { number: '+15550101' });
      await eventually(async () =>
        expect((await api.get(`/v1/webhooks/${subscription.id}`)).status).toBe(404),
      );
      expect(receiver.deliveries()).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });

  it('stops retrying an event the receiver rejects with 422', async () => {
    const receiver = await startReceiver((request) =>
      request.headers['solaris-webhook-event-type'] === 'WEBHOOK-SUBSCRIPTION' ? 200 : 422,
    );
    try {
      const subscription = await subscribe('PERSON_MOBILE_NUMBER_CREATED', receiver.url);
      await api.post(`/v1/persons/${uniquePerson()}/mobile_number`, { number: '+15550101' });
      await eventually(() => expect(receiver.deliveries()).toHaveLength(1));
      const eventId = String(receiver.deliveries()[0]!.headers['solaris-webhook-event-id']);
      const outcomes = async () => {
        const log = (await api.get('/_local/events')).body as Array<{
          event: { metadata: { id: string } };
          deliveries: Array<{ outcome: string; subscription_id: string }>;
        }>;
        return log
          .find((e) => e.event.metadata.id === eventId)!
          .deliveries.filter((d) => d.subscription_id === subscription.id)
          .map((d) => d.outcome);
      };
      // A retry is always scheduled by the attempt before it ('retry_scheduled'); a 422 schedules none.
      await eventually(async () => expect(await outcomes()).toEqual(['rejected']));
      // The subscription stays; only this event is given up.
      expect((await api.get(`/v1/webhooks/${subscription.id}`)).status).toBe(200);
      expect(receiver.deliveries()).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });
});

describe('Standard Webhooks signature', () => {
  it('verifies with the standardwebhooks library, and refuses a tampered body, another key and a replay later', async () => {
    const receiver = await startReceiver();
    try {
      const subscription = await subscribe('PERSON_MOBILE_NUMBER_CREATED', receiver.url);
      const other = await subscribe('PERSON_MOBILE_NUMBER_CREATED', `${receiver.url}/other`);
      const person = uniquePerson();
      await api.post(`/v1/persons/${person}/mobile_number`, { number: '+15550101' });
      const mine = () =>
        receiver.deliveries().filter((r) => r.path === '/' && JSON.parse(r.body).data.person_id === person);
      await eventually(() => expect(mine()).toHaveLength(1));
      const delivery = mine()[0]!;
      const event = JSON.parse(delivery.body);
      expect(delivery.headers['webhook-id']).toBe(event.metadata.id);
      const timestamp = Number(delivery.headers['webhook-timestamp']);
      expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(60);
      expect(delivery.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);

      const standard = new Webhook(subscription.standard_webhooks_secret);
      expect(standard.verify(delivery.body, headersOf(delivery))).toEqual(event);
      expect(() =>
        standard.verify(delivery.body.replace(person, 'someone-else'), headersOf(delivery)),
      ).toThrow('No matching signature found');
      expect(() =>
        new Webhook(other.standard_webhooks_secret).verify(delivery.body, headersOf(delivery)),
      ).toThrow();
      // The same id with a newer timestamp is a different signed message: a replayer cannot refresh the time.
      const refreshed = { ...headersOf(delivery), 'webhook-timestamp': String(timestamp + 1) };
      expect(() => standard.verify(delivery.body, refreshed)).toThrow('No matching signature found');

      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        vi.setSystemTime((timestamp + 6 * 60) * 1000);
        expect(() => standard.verify(delivery.body, headersOf(delivery))).toThrow(
          'Message timestamp too old',
        );
      } finally {
        vi.useRealTimers();
      }
    } finally {
      await receiver.close();
    }
  });
});
