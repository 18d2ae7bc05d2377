import * as z from '../zod.ts';
import { defineEvent } from './event.ts';

/**
 * Security events: this service's extension beyond the seeds, written in the same transaction as the change they
 * record, like every other event.
 */

/** Why new device bindings and device-signed change requests are held back for a person. */
export const COOLING_OFF_CAUSES = [
  'second_factor_reset',
  'mobile_number_removed',
  'mobile_number_replaced',
] as const;
export type CoolingOffCause = (typeof COOLING_OFF_CAUSES)[number];

/**
 * Customer support reset a person's second factor without it: the verified number removed and/or every bound device
 * revoked. `operator` is the token's client (and subject), never a value the caller chose.
 */
export const SecondFactorReset = defineEvent('SECOND_FACTOR_RESET', 1, () =>
  z.object({
    id: z.string(),
    person_id: z.string(),
    operator: z.string(),
    reason: z.string(),
    /** The removed number, masked (`+49151*****789`); null when no number was removed. */
    removed_mobile_number: z.nullable(z.string()),
    revoked_device_ids: z.array(z.string()),
    cooling_off_until: z.string(),
  }),
);

/** The one-time codes whose attempts run out with a burst of wrong answers. */
export const EXHAUSTIBLE_CODES = ['mobile_number', 'phone_removal'] as const;

/**
 * A burst of failed checks: the wrong answer that used up a code's last attempt (the code is burnt until a new one
 * is sent). One event per burnt code, not per wrong answer.
 */
export const CodeAttemptsExhausted = defineEvent('CODE_ATTEMPTS_EXHAUSTED', 1, () =>
  z.object({
    person_id: z.string(),
    code: z.enum(EXHAUSTIBLE_CODES),
    mobile_number_id: z.string(),
    attempts: z.number(),
  }),
);

/**
 * A cooling-off window began: until `until`, the person can neither bind a new device nor confirm a change request
 * with a device signature (a SIM swap or a support reset must not hand an attacker a fresh second factor at once).
 */
export const CoolingOffStarted = defineEvent('COOLING_OFF_STARTED', 1, () =>
  z.object({
    person_id: z.string(),
    cause: z.enum(COOLING_OFF_CAUSES),
    started_at: z.string(),
    until: z.string(),
  }),
);
