import * as z from '../zod.ts';
import { defineEvent } from './event.ts';

/**
 * Device events. The seeds name no device events; these three are this service's extension, published like the
 * mobile number events (outbox record in the same transaction as the change).
 */
const keyPurpose = z.enum(['unrestricted', 'restricted']);

/** A device proved possession of its key over the person's verified number and can now sign. */
export const DeviceBound = defineEvent('DEVICE_BOUND', 1, () =>
  z.object({
    device_id: z.string(),
    person_id: z.string(),
    key_id: z.string(),
    key_purpose: keyPurpose,
    name: z.string(),
  }),
);

/** A device was deleted; none of its keys can sign any more. */
export const DeviceDeleted = defineEvent('DEVICE_DELETED', 1, () =>
  z.object({ device_id: z.string(), person_id: z.string() }),
);

/** A bound device added a key, authorized by a signature of one of its active keys. */
export const DeviceKeyAdded = defineEvent('DEVICE_KEY_ADDED', 1, () =>
  z.object({
    device_id: z.string(),
    person_id: z.string(),
    key_id: z.string(),
    key_purpose: keyPurpose,
    signed_by_key_id: z.string(),
  }),
);
