import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, expect, it } from 'vitest';
import { DEV_ISSUER_KEY_FILE, DevIssuer } from '../../shared/auth/dev-issuer.ts';
import { freePort } from '../../shared/local/dynamodb-local.ts';
import { client, uniquePerson } from '../support/fixture.ts';
import { eventually, startReceiver } from '../support/receiver.ts';
import { processTree } from '../support/sockets.ts';

/**
 * A committed change's event survives `kill -9` of the local server: its delivery is durable (the queue lives in
 * the table, on disk with --persist) and is made after the restart. One server process (`node --import tsx`, as
 * `npm start` runs bin/local.ts) on a data folder of its own, killed with SIGKILL, then started again on it.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'phone-security-kill-'));
const started: ChildProcess[] = [];
afterAll(() => {
  for (const child of started)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

async function startServer(port: number) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'bin/local.ts', '--persist', '--data-dir', dataDir],
    {
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  started.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const deadline = Date.now() + 90_000;
  while (!output.includes('listening on')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return child;
}

async function killHard(child: ChildProcess) {
  const tree = processTree(child.pid!);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  // DynamoDB Local (Java) follows its parent by itself: its standard input, the parent's pipe, has ended.
  await eventually(() => expect(tree.filter((pid) => existsSync(`/proc/${pid}`))).toEqual([]), 20_000);
}

it('delivers the events of committed changes after kill -9 and a restart', async () => {
  let failing = true;
  const receiver = await startReceiver((request) =>
    request.headers['solaris-webhook-event-type'] === 'WEBHOOK-SUBSCRIPTION' ? 200 : failing ? 503 : 200,
  );
  try {
    const port = await freePort();
    const first = await startServer(port);
    const url = `http://127.0.0.1:${port}`;
    const issuer = await DevIssuer.create({
      keyFile: DEV_ISSUER_KEY_FILE,
      scopes: {
        partnerScope: 'phone-security/partner',
        userScope: 'phone-security/user',
        operatorScope: 'phone-security/operator',
      },
    });
    const api = client(url, { auth: { token: await issuer.mint({ kind: 'partner' }) } });
    const subscription = await api.post('/v1/webhooks', {
      event_type: 'PERSON_MOBILE_NUMBER_CREATED',
      url: `${receiver.url}/hooks`,
    });
    expect(subscription.status).toBe(201);

    // One event whose first attempt failed (its retry waits in the queue), and one committed just before the kill.
    const retried = uniquePerson();
    const lastMinute = uniquePerson();
    const forPerson = (person: string) =>
      receiver.deliveries().filter((r) => JSON.parse(r.body).data.person_id === person);
    expect((await api.post(`/v1/persons/${retried}/mobile_number`, { number: '+15550101' })).status).toBe(
      201,
    );
    await eventually(() => expect(forPerson(retried).length).toBeGreaterThan(0), 20_000);
    expect((await api.post(`/v1/persons/${lastMinute}/mobile_number`, { number: '+15550101' })).status).toBe(
      201,
    );
    await killHard(first);

    failing = false;
    const acknowledged = receiver.deliveries().length;
    const second = await startServer(port);
    const standard = new Webhook(subscription.body.standard_webhooks_secret);
    for (const person of [retried, lastMinute]) {
      await eventually(() => {
        const afterRestart = receiver.deliveries().slice(acknowledged);
        const delivery = afterRestart.find((r) => JSON.parse(r.body).data.person_id === person);
        expect(delivery, `a delivery for ${person} after the restart`).toBeDefined();
        expect(standard.verify(delivery!.body, delivery!.headers as Record<string, string>)).toMatchObject({
          data: { person_id: person },
        });
      }, 60_000);
    }
    // Every delivery of one event carries the same event id, before and after the kill.
    expect(new Set(forPerson(retried).map((r) => r.headers['webhook-id'])).size).toBe(1);

    second.kill('SIGINT');
    await new Promise((resolve) => second.once('exit', resolve));
  } finally {
    await receiver.close();
  }
}, 240_000);
