import { type RotationEvent, rotationClient, rotationStep } from '#shared/aws/secret-rotation.ts';
import { logger } from '#shared/logging.ts';
import { envValue } from '#shared/settings.ts';

const client = rotationClient(process.env.AWS_REGION);
/** `2` for the OTP pepper (current and previous), `all` for the webhook sealing key (old seals must still open). */
const keepSetting = envValue('KEYRING_KEEP');
const keep = keepSetting === 'all' ? Number.POSITIVE_INFINITY : Number(keepSetting);

/** Secrets Manager rotation function for one keyring secret (the schedule calls it once per rotation step). */
export const handler = async (event: RotationEvent): Promise<void> => {
  await rotationStep(client, event, { keep });
  logger.info('secret rotation step', { status: 'done', step: event.Step });
};
