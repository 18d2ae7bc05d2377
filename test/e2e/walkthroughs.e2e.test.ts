import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../shared/local/dynamodb-local.ts';
import { matches, parseSteps, render, type Step } from '../support/walkthrough.ts';

/**
 * The README's first verification and every walkthrough in docs/walkthroughs/, run as a reader runs it: `npm start` in one process, each page's shell
 * blocks top to bottom in one bash, and each answer compared with the output the page shows (masking ids, times,
 * codes and signatures; test/support/walkthrough.ts). The pages name the default port 3000 and the receiver's
 * 4400; this run serves on free ports and reads them back as the defaults.
 * `UPDATE_WALKTHROUGHS=1` rewrites the outputs that differ (review the diff before committing it).
 */
const DIR = 'docs/walkthroughs';
const pages = [
  'README.md',
  ...readdirSync(DIR)
    .filter((name) => /^\d.*\.md$/.test(name))
    .sort()
    .map((name) => join(DIR, name)),
];

let server: ChildProcess;
let url = '';
let receiverPort = 0;

beforeAll(async () => {
  const port = await freePort();
  receiverPort = await freePort();
  url = `http://127.0.0.1:${port}`;
  server = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'bin/local.ts'], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  server.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  server.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const deadline = Date.now() + 90_000;
  while (!output.includes('listening on')) {
    if (Date.now() > deadline || server.exitCode !== null)
      throw new Error(`npm start did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 120_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGINT');
    await exited;
  }
});

const MARK = '@@walkthrough-step@@';
const PAGE_TIMEOUT_MS = 180_000;

async function runSteps(steps: Step[]): Promise<string[]> {
  const local = (text: string) =>
    text
      .replaceAll('http://127.0.0.1:3000', url)
      .replaceAll('127.0.0.1:4400', `127.0.0.1:${receiverPort}`)
      .replaceAll('PORT=4400', `PORT=${receiverPort}`);
  const script = [
    'exec 2>&1',
    ...steps.flatMap((step) => [`printf '\\n%s\\n' '${MARK}'`, local(step.command)]),
    `printf '\\n%s\\n' '${MARK}'`,
    // A receiver a page started and did not stop would outlive the test.
    'kill $(jobs -p) 2>/dev/null; exit 0',
  ].join('\n');
  // From a file, with no stdin: a command that reads stdin must not swallow the rest of the page.
  const file = join(mkdtempSync(join(tmpdir(), 'walkthrough-')), 'page.sh');
  writeFileSync(file, script);
  // Its own process group, so that a page that hangs is stopped with everything it started.
  const bash = spawn('bash', [file], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  bash.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise((resolve) => bash.once('exit', resolve));
  const timer = setTimeout(() => process.kill(-bash.pid!, 'SIGKILL'), PAGE_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
  const parts = output.split(`\n${MARK}\n`).slice(1, -1);
  return parts.map((part) =>
    part.replaceAll(url, 'http://127.0.0.1:3000').replaceAll(`127.0.0.1:${receiverPort}`, '127.0.0.1:4400'),
  );
}

describe.each(pages)('%s', (page) => {
  it('runs top to bottom on a fresh `npm start` and answers what the page shows', async () => {
    const file = page;
    const text = readFileSync(file, 'utf8');
    const steps = parseSteps(text);
    expect(steps.length).toBeGreaterThan(0);
    const outputs = await runSteps(steps);
    expect(outputs).toHaveLength(steps.length);
    const drift = steps.flatMap((step, n) =>
      matches(step.expected, outputs[n]!)
        ? []
        : [
            {
              line: step.line,
              command: step.command,
              shown: step.expected.join('\n'),
              answered: outputs[n]!,
            },
          ],
    );
    if (process.env.UPDATE_WALKTHROUGHS && drift.length > 0) {
      const lines = text.split('\n');
      for (const n of [...steps.keys()].reverse()) {
        const step = steps[n]!;
        if (matches(step.expected, outputs[n]!)) continue;
        const shown = outputs[n]!.trim() === '' ? [] : render(outputs[n]!).map((l) => `# ${l}`.trimEnd());
        lines.splice(step.expectedFrom, step.expectedTo - step.expectedFrom, ...shown);
      }
      writeFileSync(file, lines.join('\n'));
      return;
    }
    expect(drift).toEqual([]);
  }, 240_000);
});
