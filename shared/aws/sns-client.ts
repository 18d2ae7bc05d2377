import { SNSClient } from '@aws-sdk/client-sns';
import type { SmsSender } from '../sms/sms-port.ts';
import { SnsSmsSender } from '../sms/sns-sms-sender.ts';

/** The SNS client and sender, loaded by `snsSmsSender` (shared/aws/sns.ts) with the first SMS. */
export const snsSender = (region: string, senderId: string | undefined): SmsSender =>
  new SnsSmsSender(new SNSClient({ region }), senderId);
