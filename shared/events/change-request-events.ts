import * as z from '../zod.ts';
import { defineEvent } from './event.ts';

/**
 * Change request events: this service's extension (the seeds name none), so a person's security timeline shows who
 * asked for a guarded change and whether it went through.
 */

/** A change request was opened for a guarded action; nothing has changed yet. */
export const ChangeRequestOpened = defineEvent('CHANGE_REQUEST_OPENED', 1, () =>
  z.object({ id: z.string(), person_id: z.string(), action: z.string() }),
);

/** A change request was confirmed with its second factor, and its action ran in the same transaction. */
export const ChangeRequestCompleted = defineEvent('CHANGE_REQUEST_COMPLETED', 1, () =>
  z.object({
    id: z.string(),
    person_id: z.string(),
    action: z.string(),
    delivery_method: z.enum(['mobile_number', 'device_signing']),
  }),
);
