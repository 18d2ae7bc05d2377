import { randomBytes } from 'node:crypto';
import { isCoolingOff, startCoolingOff } from '../cooling-off/cooling-off.ts';
import type { Uses } from '../deps.ts';
import { conflict } from '../errors.ts';
import { DeviceDeleted } from '../events/device-events.ts';
import { buildEvent } from '../events/event.ts';
import { MobileNumberDeleted } from '../events/mobile-number-events.ts';
import { SecondFactorReset } from '../events/security-events.ts';
import { logger, maskPhoneNumber } from '../logging.ts';
import { sendNotice } from '../sms/notice.ts';
import type { SecondFactorResetView, SecurityTimelineView } from './operator.schema.ts';
import type { ResetCommit } from './ports.ts';

export type ResetDeps = Uses<'clock' | 'secondFactorResets' | 'sms' | 'languages', 'coolingOffSeconds'>;
export type TimelineDeps = Uses<'clock' | 'securityTimeline' | 'coolingOffs'>;

/** Extension id with a type suffix, like the Solaris-style ids: 32 hex characters, then `sfr`. */
const newResetId = () => `${randomBytes(16).toString('hex')}sfr`;

/** How often a reset re-reads after the person's number or devices changed under it before it answers 409. */
const MAX_ROUNDS = 3;

export interface ResetInput {
  personId: string;
  operator: string;
  reason: string;
  removeMobileNumber: boolean;
  revokeDevices: boolean;
}

const nothingToReset = (input: ResetInput) =>
  conflict(
    'nothing_to_reset',
    'Nothing To Reset',
    `The person has ${[
      input.removeMobileNumber ? 'no mobile number' : undefined,
      input.revokeDevices ? 'no bound device' : undefined,
    ]
      .filter(Boolean)
      .join(' and ')}.`,
  );

/**
 * Reset a person's second factor, as customer support does for someone who lost their phone.
 * 1. Read the person's number, bound devices and device count.
 * 2. Nothing the request names exists (no number when asked to remove it, no device when asked to revoke them): 409.
 * 3. In one transaction: delete the number (with PERSON_MOBILE_NUMBER_DELETED), revoke every bound device (each
 *    with DEVICE_DELETED, the device count to zero), write SECOND_FACTOR_RESET naming the operator from the token and
 *    the reason, and start the cooling-off window (COOLING_OFF_STARTED). Should the number or the devices change
 *    meanwhile, read again (at most three rounds, then 409).
 * 4. After the commit, tell the person in their language: by SMS to the verified number removed, or, when the reset
 *    kept the number (devices only), to the verified number that remains. Every reset of a person with a verified
 *    number notifies, so none goes unnoticed. The reset stands whatever happens to this notice.
 */
export async function resetSecondFactor(rt: ResetDeps, input: ResetInput): Promise<SecondFactorResetView> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const state = await rt.secondFactorResets.load(input.personId);
    const number = input.removeMobileNumber ? state.number : undefined;
    const devices = input.revokeDevices ? state.devices : [];
    if (!number && devices.length === 0) throw nothingToReset(input);

    const now = rt.clock.now();
    const id = newResetId();
    const coolingOff = startCoolingOff(
      input.personId,
      'second_factor_reset',
      now,
      rt.config.coolingOffSeconds,
    );
    const view: SecondFactorResetView = {
      id,
      person_id: input.personId,
      operator: input.operator,
      reason: input.reason,
      remove_mobile_number: input.removeMobileNumber,
      revoke_devices: input.revokeDevices,
      removed_mobile_number: number ? maskPhoneNumber(number.number) : null,
      revoked_device_ids: devices.map((device) => device.id),
      cooling_off_until: coolingOff.window.until,
      notified: false,
      created_at: now.toISOString(),
    };
    const commit: ResetCommit = {
      personId: input.personId,
      reset: buildEvent(
        SecondFactorReset,
        {
          id,
          person_id: input.personId,
          operator: input.operator,
          reason: input.reason,
          removed_mobile_number: view.removed_mobile_number,
          revoked_device_ids: view.revoked_device_ids,
          cooling_off_until: view.cooling_off_until,
        },
        now,
      ),
      coolingOff,
      now,
      ...(number
        ? {
            number: {
              record: number,
              event: buildEvent(
                MobileNumberDeleted,
                { id: number.id, person_id: number.personId, number: number.number },
                now,
              ),
            },
          }
        : {}),
      ...(input.revokeDevices
        ? {
            devices: {
              records: devices,
              events: devices.map((device) =>
                buildEvent(DeviceDeleted, { device_id: device.id, person_id: device.personId }, now),
              ),
              activeCount: state.activeCount,
            },
          }
        : {}),
    };
    if ((await rt.secondFactorResets.commit(commit)) === 'changed') continue;

    logger.info('second factor reset', {
      status: 'reset',
      reset_id: id,
      operator: input.operator,
      number_removed: number !== undefined,
      devices_revoked: devices.length,
    });
    const told = number?.verified ? number : state.number?.verified ? state.number : undefined;
    if (told) view.notified = await notify(rt, input.personId, told.number, id);
    return view;
  }
  throw conflict(
    'person_changed',
    'Person Changed',
    "The person's number or devices kept changing during the reset; retry.",
  );
}

const notify = (rt: ResetDeps, personId: string, to: string, resetId: string): Promise<boolean> =>
  sendNotice(rt, {
    what: 'reset',
    to,
    personId,
    templateKey: 'sms.second_factor.reset_notification',
    variables: {},
    logFields: { reset_id: resetId },
  });

/**
 * A person's security timeline.
 * 1. One page of the person's events, newest first (at most `size`; `cursor` continues a previous page).
 * 2. With it, the person's cooling-off window, if one was ever started, and whether it still lasts.
 */
export async function securityTimeline(
  rt: TimelineDeps,
  input: { personId: string; size: number; cursor: string | undefined },
): Promise<SecurityTimelineView> {
  const [page, window] = await Promise.all([
    rt.securityTimeline.page(input.personId, input.size, input.cursor),
    rt.coolingOffs.current(input.personId),
  ]);
  return {
    person_id: input.personId,
    cooling_off: window
      ? {
          cause: window.cause,
          started_at: window.startedAt,
          until: window.until,
          active: isCoolingOff(window, rt.clock.now()),
        }
      : null,
    events: page.entries,
    next_cursor: page.next ?? null,
  };
}
