import { SNSClient } from '@aws-sdk/client-sns';
import type { SmsSender } from '../sms/sms-port.ts';
import { SnsSmsSender } from '../sms/sns-sms-sender.ts';

/** The SNS adapter: only the handlers of routes that send SMS (`sendsSms`) import it and compose with it. */
export const snsSmsSender = (region: string, senderId: string | undefined): SmsSender =>
  new SnsSmsSender(new SNSClient({ region }), senderId);
