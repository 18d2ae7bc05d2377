import { personPath, type RouteSchemas, wellFormed } from '../validation.ts';
import * as z from '../zod.ts';

/**
 * The operator API's inputs. Unknown fields are dropped, as everywhere. `reason` is mandatory: every reset is
 * audited with the operator's own words for why it was done (a ticket reference, the check performed).
 */
export const secondFactorResetBody = z
  .object({
    reason: z
      .string()
      .check(
        z.trim(),
        z.minLength(1, 'must not be empty'),
        z.maxLength(500),
        wellFormed(),
        z.regex(/^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]*$/u, 'must not contain control or format characters'),
      ),
    remove_mobile_number: z._default(z.boolean(), false),
    revoke_devices: z._default(z.boolean(), false),
  })
  .check(
    z.refine((body) => body.remove_mobile_number || body.revoke_devices, {
      message: 'at least one of remove_mobile_number and revoke_devices must be true',
      path: ['remove_mobile_number'],
    }),
  );

/** Opaque to clients: the timeline answers it as `next_cursor` and takes it back unchanged. */
export const timelineQuery = z.object({
  'page[size]': z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 25),
  'page[cursor]': z.optional(z.string().check(z.minLength(1), z.maxLength(1024))),
});

export interface SecondFactorResetView {
  id: string;
  person_id: string;
  operator: string;
  reason: string;
  remove_mobile_number: boolean;
  revoke_devices: boolean;
  /** The removed number, masked; null when no number was removed. */
  removed_mobile_number: string | null;
  revoked_device_ids: string[];
  cooling_off_until: string;
  /** Whether the notice SMS went to the removed (verified) number. */
  notified: boolean;
  created_at: string;
}

export interface TimelineEntry {
  id: string;
  type: string;
  version: number;
  time: string;
  data: unknown;
}

export interface SecurityTimelineView {
  person_id: string;
  /** The person's current or last cooling-off window; `active` says whether it still lasts. */
  cooling_off: { cause: string; started_at: string; until: string; active: boolean } | null;
  events: TimelineEntry[];
  /** Pass as `page[cursor]` for the next (older) page; null on the last page. */
  next_cursor: string | null;
}

/** What each operator route validates, by operation (see shared/route-schemas.ts). */
export const OPERATOR_REQUESTS = {
  'reset-second-factor': { params: personPath, body: secondFactorResetBody },
  'get-security-timeline': { params: personPath, query: timelineQuery },
} satisfies Record<string, RouteSchemas>;
