import type { SmsSender } from '../sms/sms-port.ts';
import { onFirstUse } from './on-first-use.ts';

/**
 * The SNS adapter: only the handlers of routes that send SMS (`sendsSms`) import it and compose with it. The SNS
 * client is loaded and made with the first SMS, not during the function's init: many first answers send none.
 */
export const snsSmsSender = (region: string, senderId: string | undefined): SmsSender => {
  const sender = onFirstUse(async () => (await import('./sns-client.ts')).snsSender(region, senderId));
  return { send: async (message) => (await sender()).send(message) };
};
