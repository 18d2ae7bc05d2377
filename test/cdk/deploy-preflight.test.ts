import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/service-function.ts';

const run = promisify(execFile);

/**
 * An environment in which the AWS SDK finds nothing of this machine's: no credential or config file, no instance
 * metadata (the one lookup that would leave loopback), and every service endpoint on 127.0.0.1.
 */
function isolated(endpoint: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: '/nonexistent' };
  return {
    ...env,
    AWS_CONFIG_FILE: '/nonexistent/config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL: endpoint,
    ...extra,
  };
}

/** `npm run deploy -- <args>` in `env`: its exit code, stderr lines and how long it took. */
async function deploy(args: string[], env: NodeJS.ProcessEnv) {
  const started = Date.now();
  const result = await run('npx', ['tsx', 'scripts/deploy.ts', ...args], {
    cwd: PROJECT_ROOT,
    env,
    timeout: 60_000,
  }).then(
    (ok) => ({ code: 0, stderr: ok.stderr }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );
  return { ...result, lines: result.stderr.trim().split('\n'), seconds: (Date.now() - started) / 1000 };
}

/** A loopback stand-in for STS and SSM: the caller is account 111111111111, and the account is not bootstrapped. */
const requests: string[] = [];
let server: Server;
let endpoint: string;
const body = (request: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = '';
    request.on('data', (chunk) => {
      text += chunk;
    });
    request.on('end', () => resolve(text));
  });

beforeAll(async () => {
  server = createServer(async (request, response) => {
    const text = await body(request);
    const target = String(request.headers['x-amz-target'] ?? '');
    requests.push(`${request.headers.host} ${target || text.slice(0, 40)}`);
    if (target === 'AmazonSSM.GetParameter') {
      response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify({ __type: 'ParameterNotFound', message: 'not found' }));
    } else if (text.includes('Action=GetCallerIdentity')) {
      response.writeHead(200, { 'content-type': 'text/xml' });
      response.end(
        '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
          '<Arn>arn:aws:iam::111111111111:user/deployer</Arn><UserId>AIDAEXAMPLE</UserId><Account>111111111111</Account>' +
          '</GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>',
      );
    } else {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end('{}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('npm run deploy preflight', () => {
  it('without credentials fails in under 10 s with one line and a non-zero exit code', async () => {
    const result = await deploy(['PhoneSecurityTest'], isolated(endpoint, { AWS_REGION: 'eu-central-1' }));
    expect(result.code).not.toBe(0);
    expect(result.lines).toEqual([
      expect.stringMatching(
        /^deploy: Cannot deploy to eu-central-1: no AWS credentials found\. .*aws sts get-caller-identity$/,
      ),
    ]);
    expect(result.seconds).toBeLessThan(10);
  }, 60_000);

  it('without a region says so', async () => {
    const result = await deploy(
      ['PhoneSecurityTest'],
      isolated(endpoint, { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' }),
    );
    expect(result.code).not.toBe(0);
    expect(result.lines).toEqual([expect.stringMatching(/^deploy: No AWS region: set AWS_REGION/)]);
  }, 60_000);

  it('in an account that is not bootstrapped names the account and region and the bootstrap command', async () => {
    requests.length = 0;
    const result = await deploy(
      ['PhoneSecurityTest'],
      isolated(endpoint, {
        AWS_REGION: 'eu-central-1',
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'secret',
      }),
    );
    expect(result.code).not.toBe(0);
    expect(result.lines).toEqual([
      'deploy: Account 111111111111 is not bootstrapped for the CDK in eu-central-1 (no SSM parameter ' +
        '/cdk-bootstrap/hnb659fds/version): run npx cdk bootstrap aws://111111111111/eu-central-1',
    ]);
    expect(result.seconds).toBeLessThan(10);
    // Both checks reached the stand-in (and so nothing else).
    expect(requests.map((line) => line.split(' ')[1])).toEqual([
      expect.stringContaining('GetCallerIdentity'),
      'AmazonSSM.GetParameter',
    ]);
    expect(requests.every((line) => line.startsWith('127.0.0.1:'))).toBe(true);
  }, 60_000);

  it('refuses a misspelled context key before any AWS call', async () => {
    requests.length = 0;
    const result = await deploy(
      ['PhoneSecurityTest', '-c', 'sandBox=true'],
      isolated(endpoint, { AWS_REGION: 'eu-central-1' }),
    );
    expect(result.code).not.toBe(0);
    expect(result.lines).toEqual([
      expect.stringMatching(/^deploy: Unknown context key sandBox \(did you mean sandbox\?\)/),
    ]);
    expect(requests).toEqual([]);
  }, 60_000);

  it('without a stack name prints the usage', async () => {
    const result = await deploy([], isolated(endpoint));
    expect(result.code).not.toBe(0);
    expect(result.lines).toEqual([expect.stringMatching(/^deploy: Usage: npm run deploy -- <stack name>/)]);
  }, 60_000);
});
