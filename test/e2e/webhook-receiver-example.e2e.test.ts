import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../shared/local/dynamodb-local.ts';
import { signBody, standardWebhookHeaders } from '../../shared/webhooks/signature.ts';
import { type Fixture, startService, uniquePerson } from '../support/fixture.ts';
import { eventually } from '../support/receiver.ts';

/** docs/webhook-receiver.example.mjs as a reader would run it: its own process, on a port of 127.0.0.1. */
let fixture: Fixture;
let port: number;
let example: { child: ChildProcess; output: () => string } | undefined;

function startExample(secrets: Record<string, string>) {
  const child = spawn(process.execPath, ['docs/webhook-receiver.example.mjs'], {
    env: { ...process.env, PORT: String(port), WEBHOOK_SECRETS: JSON.stringify(secrets) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  example = { child, output: () => output };
  return eventually(async () => {
    await fetch(`http://127.0.0.1:${port}/`, {
      method: 'POST',
      headers: { 'solaris-webhook-event-type': 'WEBHOOK-SUBSCRIPTION' },
    });
  });
}

async function stopExample() {
  if (!example || example.child.exitCode !== null) return;
  const exited = new Promise((resolve) => example!.child.once('exit', resolve));
  example.child.kill('SIGTERM');
  await exited;
}

beforeAll(async () => {
  fixture = await startService({ env: { EVENT_RELAY_POLL_MS: '50' } });
  port = await freePort();
});
afterAll(async () => {
  await stopExample();
  await fixture.close();
});

describe('the documented webhook receiver', () => {
  let subscriptionId: string;
  let secret: string;

  it('receives a real delivery once its secret is configured', async () => {
    await startExample({});
    const created = await fixture.partner().post('/v1/webhooks', {
      event_type: 'PERSON_MOBILE_NUMBER_CREATED',
      url: `http://127.0.0.1:${port}/hooks`,
    });
    expect(created.status).toBe(201);
    ({ id: subscriptionId, secret } = created.body);
    await stopExample();
    await startExample({ [subscriptionId]: secret });

    const person = uniquePerson();
    await fixture.partner().post(`/v1/persons/${person}/mobile_number`, { number: '+15550101' });
    await eventually(() => expect(example!.output()).toContain(`"person_id":"${person}"`));
    expect(example!.output()).toMatch(/^1 PERSON_MOBILE_NUMBER_CREATED [0-9a-f-]{36} \{/m);
  });

  /** A delivery as the service signs it, at `at`, sent straight to the example. */
  const send = async (id: string, at: Date, body: string, change?: (h: Record<string, string>) => void) => {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'solaris-webhook-subscription-id': subscriptionId,
      'solaris-webhook-attempt': '1',
      'solaris-webhook-signature': signBody(secret, body),
      ...standardWebhookHeaders(secret, id, at, body),
    };
    change?.(headers);
    const response = await fetch(`http://127.0.0.1:${port}/hooks`, { method: 'POST', headers, body });
    return { status: response.status, text: await response.text() };
  };
  const eventBody = (id: string) =>
    JSON.stringify({
      metadata: { id, type: 'PERSON_MOBILE_NUMBER_CREATED', version: 1, time: new Date().toISOString() },
      data: { person_id: `replay-${id}` },
    });

  it('processes an id once, and acknowledges a replay of it without processing it again', async () => {
    const id = crypto.randomUUID();
    const body = eventBody(id);
    expect(await send(id, new Date(), body)).toEqual({ status: 200, text: '' });
    expect(await send(id, new Date(), body)).toEqual({ status: 200, text: 'duplicate' });
    await eventually(() => expect(example!.output()).toContain(`replay-${id}`));
    expect(example!.output().split(`replay-${id}`)).toHaveLength(2);
  });

  it('refuses a stale or future timestamp, a forged signature and a delivery without the signature headers', async () => {
    const id = crypto.randomUUID();
    const body = eventBody(id);
    expect(await send(id, new Date(Date.now() - 6 * 60_000), body)).toEqual({ status: 401, text: 'stale' });
    expect(await send(id, new Date(Date.now() + 6 * 60_000), body)).toEqual({ status: 401, text: 'stale' });
    const forged = await send(id, new Date(), body, (h) => {
      h['webhook-id'] = crypto.randomUUID();
    });
    expect(forged).toEqual({ status: 401, text: 'forged' });
    const solarisOnly = await send(id, new Date(), body, (h) => {
      delete h['webhook-signature'];
      delete h['webhook-id'];
      delete h['webhook-timestamp'];
    });
    expect(solarisOnly).toEqual({ status: 401, text: 'unsigned' });
    expect(example!.output()).not.toContain(`replay-${id}`);
  });
});
