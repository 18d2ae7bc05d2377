import { SNSClient } from '@aws-sdk/client-sns';
import type { SmsSender } from '../sms/sms-port.ts';
import { SnsSmsSender } from '../sms/sns-sms-sender.ts';

/**
 * The SNS adapter: only the handlers of routes that send SMS (`sendsSms`) import it and compose with it. The client
 * is made on the first SMS, not during the function's init: most first answers send none.
 */
export const snsSmsSender = (region: string, senderId: string | undefined): SmsSender => {
  let sender: SnsSmsSender | undefined;
  return {
    send: (message) => {
      sender ??= new SnsSmsSender(new SNSClient({ region }), senderId);
      return sender.send(message);
    },
  };
};
