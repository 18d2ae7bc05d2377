import * as z from '../zod.ts';
import { defineEvent } from './event.ts';

/**
 * A passkey's authenticator signed with a sign counter not above the one last seen: a sign of a cloned
 * authenticator. The assertion was refused.
 */
export const PasskeyCounterRegressed = defineEvent('PASSKEY_COUNTER_REGRESSED', 1, () =>
  z.object({
    device_id: z.string(),
    person_id: z.string(),
    credential_id: z.string(),
    stored_counter: z.number(),
    presented_counter: z.number(),
  }),
);
