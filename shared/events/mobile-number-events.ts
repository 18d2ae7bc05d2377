import * as z from '../zod.ts';
import { defineEvent } from './event.ts';

/** A mobile number resource was created; it is not verified yet. */
export const MobileNumberCreated = defineEvent('PERSON_MOBILE_NUMBER_CREATED', 1, () =>
  z.object({ id: z.string(), person_id: z.string(), number: z.string(), verified: z.boolean() }),
);

/** A mobile number was verified with the OTP sent to it (this service's extension; the seeds name no such event). */
export const MobileNumberVerified = defineEvent('PERSON_MOBILE_NUMBER_VERIFIED', 1, () =>
  z.object({ id: z.string(), person_id: z.string(), number: z.string() }),
);

/** A mobile number was removed; the person has no SMS second factor until a new number is verified. */
export const MobileNumberDeleted = defineEvent('PERSON_MOBILE_NUMBER_DELETED', 1, () =>
  z.object({ id: z.string(), person_id: z.string(), number: z.string() }),
);
