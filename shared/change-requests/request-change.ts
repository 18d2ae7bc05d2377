import { randomBytes } from 'node:crypto';
import type { Uses } from '../deps.ts';
import { ChangeRequestOpened } from '../events/change-request-events.ts';
import { buildEvent } from '../events/event.ts';
import { metrics } from '../metrics.ts';

/** A change request answers confirmation for 5 minutes after it was opened. */
export const CHANGE_REQUEST_TTL_MS = 5 * 60_000;

export interface ChangeRequestView {
  id: string;
  status: string;
  updated_at: string;
  url?: string;
  string_to_sign?: string;
  response_code?: number;
  response_body?: unknown;
}

/**
 * Opens a change request that guards `action` (a key of GUARDED_ACTIONS) for the person. Nothing changes until the
 * request is authorized and confirmed with a second factor.
 */
export async function requestChange(
  rt: Uses<'clock' | 'changeRequests'>,
  input: { personId: string; action: string; params: Record<string, unknown> },
): Promise<ChangeRequestView> {
  const now = rt.clock.now();
  const id = `${randomBytes(16).toString('hex')}cchr`;
  await rt.changeRequests.create(
    {
      id,
      personId: input.personId,
      action: input.action,
      params: input.params,
      status: 'AUTHORIZATION_REQUIRED',
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      expiresAtMs: now.getTime() + CHANGE_REQUEST_TTL_MS,
      attempts: 0,
    },
    buildEvent(ChangeRequestOpened, { id, person_id: input.personId, action: input.action }, now),
  );
  metrics.changeRequest('opened');
  return {
    id,
    status: 'AUTHORIZATION_REQUIRED',
    updated_at: now.toISOString(),
    url: `/v1/change_requests/${id}/authorize`,
  };
}
