import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { freePort } from '../../shared/local/dynamodb-local.ts';
import { isLoopback, listeningSocketsOf, processTree } from '../support/sockets.ts';

/**
 * `npm start` as a newcomer runs it: it serves, prints its URL, listens on loopback only (the server and DynamoDB
 * Local, read from the sockets its process tree holds), and Ctrl-C stops everything, Java included.
 */
it('starts the local service on loopback only, serves a request, and stops DynamoDB Local on SIGINT', async () => {
  const port = await freePort();
  const child = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'bin/local.ts'], {
    // Settings reach `npm start` from its environment (docs/configuration.md).
    env: { ...process.env, PORT: String(port), SMS_COUNTRIES: 'DE,CH', COOLING_OFF_SECONDS: '4' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 90_000;
    while (!output.includes('listening on')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(output).toContain(`http://127.0.0.1:${port}`);
    // The console is at the root URL, as the start banner says.
    expect(output).toContain(`Console:        http://127.0.0.1:${port}/`);
    const root = await fetch(`http://127.0.0.1:${port}/`);
    expect(root.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await root.text()).toContain('<title>Local console');
    const dynamoEndpoint = output.match(/DynamoDB Local: (http:\/\/127\.0\.0\.1:\d+)/)?.[1];
    expect(dynamoEndpoint).toBeDefined();

    const sockets = listeningSocketsOf(processTree(child.pid!));
    expect(sockets.map((s) => s.port)).toEqual(
      expect.arrayContaining([port, Number(new URL(dynamoEndpoint!).port)]),
    );
    expect(sockets.filter((s) => !isLoopback(s.address))).toEqual([]);

    const create = (headers: Record<string, string>) =>
      fetch(`http://127.0.0.1:${port}/v1/persons/p1/mobile_number`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ number: '+15550101' }),
      });
    expect((await create({})).status).toBe(401);
    // `npm run token -- --partner`, as the docs show: it shares the development issuer's key with the server.
    const { stdout } = await promisify(execFile)(process.execPath, [
      'node_modules/tsx/dist/cli.mjs',
      'bin/token.ts',
      '--partner',
    ]);
    const response = await create({ authorization: `Bearer ${stdout.trim()}` });
    expect(response.status).toBe(201);
    await new Promise((r) => setTimeout(r, 200));
    expect(output).toMatch(/POST \/v1\/persons\/p1\/mobile_number 201/);

    // The banner names the settings off their defaults, and SMS_COUNTRIES=DE,CH lets an SMS go to a Swiss number.
    expect(output).toContain('Settings:       SMS_COUNTRIES=DE,CH COOLING_OFF_SECONDS=4');
    const partner = { authorization: `Bearer ${stdout.trim()}`, 'content-type': 'application/json' };
    const swiss = JSON.stringify({ number: '+41791234567' });
    const base = `http://127.0.0.1:${port}/v1/persons/p-swiss/mobile_number`;
    expect((await fetch(base, { method: 'POST', headers: partner, body: swiss })).status).toBe(201);
    expect((await fetch(`${base}/authorize`, { method: 'POST', headers: partner, body: swiss })).status).toBe(
      201,
    );
    const sms = (await (await fetch(`http://127.0.0.1:${port}/_local/sms`)).json()) as Array<{ to: string }>;
    expect(sms.map((s) => s.to)).toContain('+41791234567');

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    await expect(fetch(dynamoEndpoint!)).rejects.toThrow();
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}, 120_000);
