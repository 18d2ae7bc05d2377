import * as z from '../zod.ts';
import { defineEvent } from './event.ts';

/**
 * The fraud guard's events (shared/fraud-guard/): a destination prefix blocked for suspected SMS pumping, and a block
 * an operator lifted. Subscribable like every other event, so a bank's fraud team learns of an attack as it starts.
 */
export const SmsPrefixBlocked = defineEvent('SMS_PREFIX_BLOCKED', 1, () =>
  z.object({
    id: z.string(),
    /** Calling code and leading national digits, without `+`. */
    prefix: z.string(),
    country: z.string(),
    level: z.string(),
    blocked_at: z.string(),
    expires_at: z.string(),
  }),
);

export const SmsPrefixBlockLifted = defineEvent('SMS_PREFIX_BLOCK_LIFTED', 1, () =>
  z.object({
    id: z.string(),
    prefix: z.string(),
    /** The operator the token names. */
    operator: z.string(),
    lifted_at: z.string(),
  }),
);
