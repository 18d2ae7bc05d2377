/**
 * `npm run deploy -- <stack name> [-c key=value ...] [cdk deploy options]`: deploys one stage (a top-level stack and
 * its nested stacks), in this order:
 * 1. offline: the stack name and the context keys (lib/settings.ts), so a typo fails before anything else;
 * 2. through the AWS SDK, in seconds: a region, credentials (STS GetCallerIdentity) and the CDK bootstrap of that
 *    account and region (its version parameter in SSM), each failing with one line that says what to do;
 * 3. only then `cdk deploy`, which synthesizes (bundling every function) and deploys;
 * 4. the stage's API URL, token endpoint and dashboard link, from the stack's outputs.
 * docs/deploy.md walks through a first deploy.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { checkContextKeys, SettingsError } from '../lib/settings.ts';

/** The bootstrap the CDK's default synthesizer uses (`cdk bootstrap` without --qualifier). */
const QUALIFIER = 'hnb659fds';
/** The templates of this CDK version ask for bootstrap version 6 or newer (their BootstrapVersion rule). */
const MIN_BOOTSTRAP_VERSION = 6;
/** Every AWS call of the checks gives up within seconds: a deploy that cannot start should say so at once. */
const CLIENT = {
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 3000, requestTimeout: 5000 },
} as const;

class PreflightError extends Error {}

function parseArgs(argv: string[]) {
  const [stage, ...rest] = argv;
  if (!stage || stage.startsWith('-')) {
    throw new PreflightError(
      'Usage: npm run deploy -- <stack name> [-c key=value ...] (for example PhoneSecurity, or PhoneSecurityTest -c sandbox=true)',
    );
  }
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stage)) {
    throw new PreflightError(`Stack name ${stage}: letters, digits and hyphens, starting with a letter`);
  }
  const context: Record<string, string> = {};
  for (const [index, arg] of rest.entries()) {
    if (arg === '-c' || arg === '--context') {
      const [key, ...value] = (rest[index + 1] ?? '').split('=');
      if (key) context[key] = value.join('=');
    }
  }
  if (context.stackName !== undefined && context.stackName !== stage) {
    throw new PreflightError(`The stack name is the first argument (${stage}); leave out -c stackName`);
  }
  return { stage, context, cdkArgs: rest };
}

async function checkAccount(): Promise<{ account: string; region: string }> {
  const sts = new STSClient(CLIENT);
  let region: string;
  try {
    region = await sts.config.region();
  } catch {
    throw new PreflightError(
      'No AWS region: set AWS_REGION (or a region in the AWS_PROFILE you use), for example AWS_REGION=eu-central-1',
    );
  }
  let account: string;
  try {
    account = (await sts.send(new GetCallerIdentityCommand({}))).Account ?? '';
  } catch (error) {
    const name = (error as Error).name;
    const reason =
      name === 'CredentialsProviderError'
        ? 'no AWS credentials found'
        : `the credentials were refused (${name}: ${(error as Error).message})`;
    throw new PreflightError(
      `Cannot deploy to ${region}: ${reason}. Sign in (aws sso login, or AWS_PROFILE / AWS_ACCESS_KEY_ID) and check with: aws sts get-caller-identity`,
    );
  }
  return { account, region };
}

async function checkBootstrap(account: string, region: string): Promise<void> {
  const ssm = new SSMClient({ ...CLIENT, region });
  const name = `/cdk-bootstrap/${QUALIFIER}/version`;
  const bootstrap = `npx cdk bootstrap aws://${account}/${region}`;
  let version: number;
  try {
    version = Number((await ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Value);
  } catch (error) {
    const errorName = (error as Error).name;
    if (errorName === 'ParameterNotFound') {
      throw new PreflightError(
        `Account ${account} is not bootstrapped for the CDK in ${region} (no SSM parameter ${name}): run ${bootstrap}`,
      );
    }
    throw new PreflightError(
      `Cannot read the CDK bootstrap version ${name} in ${account}/${region} (${errorName}): the deploying identity needs ssm:GetParameter on it; see docs/deploy.md`,
    );
  }
  if (!(version >= MIN_BOOTSTRAP_VERSION)) {
    throw new PreflightError(
      `The CDK bootstrap of ${account}/${region} is version ${version}; this app needs ${MIN_BOOTSTRAP_VERSION} or newer: run ${bootstrap}`,
    );
  }
}

/** The console link of a CloudWatch dashboard. */
const dashboardLink = (region: string, name: string) =>
  `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${encodeURIComponent(name)}`;

async function main() {
  const { stage, context, cdkArgs } = parseArgs(process.argv.slice(2));
  checkContextKeys(context);
  const { account, region } = await checkAccount();
  await checkBootstrap(account, region);
  console.log(`Deploying ${stage} to account ${account}, region ${region}`);

  const dir = mkdtempSync(join(tmpdir(), 'deploy-'));
  try {
    const outputsFile = join(dir, 'outputs.json');
    const cdk = spawnSync(
      'npx',
      ['cdk', 'deploy', stage, '-c', `stackName=${stage}`, '--outputs-file', outputsFile, ...cdkArgs],
      {
        stdio: 'inherit',
        env: {
          ...process.env,
          CDK_DISABLE_VERSION_CHECK: '1',
          CDK_DEFAULT_ACCOUNT: account,
          CDK_DEFAULT_REGION: region,
        },
      },
    );
    if (cdk.status !== 0) {
      process.exitCode = cdk.status ?? 1;
      return;
    }
    const outputs: Record<string, string> = JSON.parse(readFileSync(outputsFile, 'utf8'))[stage] ?? {};
    console.log(`\n${stage} is deployed.`);
    console.log(`API URL:        ${outputs.ApiUrl ?? '(no output ApiUrl)'}`);
    console.log(`Token endpoint: ${outputs.TokenEndpoint ?? '(external issuer: its own token endpoint)'}`);
    if (outputs.DashboardName) console.log(`Dashboard:      ${dashboardLink(region, outputs.DashboardName)}`);
    console.log(
      `Alarms:         https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#alarmsV2:`,
    );
    console.log(`Smoke test:     npm run test:aws (docs/deploy.md)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  if (error instanceof PreflightError || error instanceof SettingsError) {
    console.error(`deploy: ${error.message}`);
  } else {
    console.error(`deploy: ${(error as Error).name}: ${(error as Error).message}`);
  }
  process.exitCode = 1;
});
