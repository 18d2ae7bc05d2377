import { forbidden } from '../errors.ts';
import { buildEvent, type DomainEvent } from '../events/event.ts';
import { type CoolingOffCause, CoolingOffStarted } from '../events/security-events.ts';
import type { TxPart } from '../storage/dynamo.ts';

/**
 * SIM-swap cooling-off. Right after a person's second factor changed hands (customer support reset it, or the
 * verified number was removed so that another can take its place), whoever now holds the phone number must not be able
 * to turn it into a lasting second factor at once. For a configured window the person can neither bind a new device
 * nor confirm a change request with a device signature; SMS-based steps stay possible, and the real owner has the
 * window to notice the SMS sent to the old number and call the bank.
 */
export interface CoolingOff {
  personId: string;
  cause: CoolingOffCause;
  startedAt: string;
  until: string;
}

/** The port: the person's current (or last) window, and the transaction items that start one. */
export interface CoolingOffs {
  current(personId: string): Promise<CoolingOff | undefined>;
  /** The window's item and its COOLING_OFF_STARTED event, to commit with the change that starts it. */
  startItems(window: CoolingOff, event: DomainEvent, now: Date): TxPart[];
}

/** A window of `windowSeconds` from `now`, and the event that records it on the person's timeline. */
export function startCoolingOff(
  personId: string,
  cause: CoolingOffCause,
  now: Date,
  windowSeconds: number,
): { window: CoolingOff; event: DomainEvent } {
  const window: CoolingOff = {
    personId,
    cause,
    startedAt: now.toISOString(),
    until: new Date(now.getTime() + windowSeconds * 1000).toISOString(),
  };
  const event = buildEvent(
    CoolingOffStarted,
    { person_id: personId, cause, started_at: window.startedAt, until: window.until },
    now,
  );
  return { window, event };
}

/** True while the window lasts (its end is exclusive). */
export const isCoolingOff = (window: CoolingOff | undefined, now: Date): window is CoolingOff =>
  window !== undefined && Date.parse(window.until) > now.getTime();

const CAUSE_TEXT: Record<CoolingOffCause, string> = {
  second_factor_reset: "customer support reset the person's second factor",
  mobile_number_removed: "the person's verified mobile number was removed",
  mobile_number_replaced: 'a new mobile number replaced the verified one',
};

export const coolingOffPeriod = (window: CoolingOff, what: string) =>
  forbidden(
    'cooling_off_period',
    'Cooling-Off Period',
    `${what} is not possible until ${window.until}: ${CAUSE_TEXT[window.cause]} at ${window.startedAt}.`,
  );

/**
 * Refuses `what` (403 `cooling_off_period`, naming until when) while the person's window lasts.
 * 1. Read the person's window. 2. If it has not ended, refuse.
 */
export async function refuseDuringCoolingOff(
  rt: { coolingOffs: CoolingOffs; clock: { now(): Date } },
  personId: string,
  what: string,
): Promise<void> {
  const window = await rt.coolingOffs.current(personId);
  if (isCoolingOff(window, rt.clock.now())) throw coolingOffPeriod(window, what);
}
