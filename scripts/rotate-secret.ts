/**
 * `npm run rotate -- <secret arn> [<secret arn> ...]`: rotates the OTP pepper and/or the webhook sealing key of a
 * deployed stage now (the stack outputs OtpPepperSecretArn and WebhookSecretKeyArn), through the secrets' rotation
 * schedules; the schedules also rotate every 90 days on their own. Uses the AWS SDK's default credentials and
 * region (AWS_PROFILE, AWS_REGION, ...). The new version becomes current 10 minutes later, when every function has
 * re-read the secret; the previous pepper stays accepted for one OTP lifetime after that, and webhook secrets sealed
 * under an older key are re-sealed at their next delivery.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { rotateNow } from '../shared/aws/secret-rotation.ts';

const USAGE = `usage: npm run rotate -- <secret arn> [<secret arn> ...]
Rotates a deployed stage's OTP pepper and/or webhook sealing key now (stack outputs OtpPepperSecretArn and
WebhookSecretKeyArn), with the AWS SDK's default credentials and region. docs/operations.md#rotating-keys says more.`;
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
const unknown = args.find((arg) => arg.startsWith('-'));
if (unknown) {
  console.error(`Unknown option '${unknown}' (--help for usage)`);
  process.exit(2);
}
const secretIds = args;
if (secretIds.length === 0) {
  console.error('usage: npm run rotate -- <secret arn> [<secret arn> ...] (--help for more)');
  process.exit(2);
}
try {
  const versions = await rotateNow(new SecretsManagerClient({}), secretIds);
  for (const [index, id] of secretIds.entries())
    console.log(`${id}: rotation started, pending version ${versions[index]}`);
} catch (error) {
  console.error(`rotation failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
