import type { CoolingOff } from '../cooling-off/cooling-off.ts';
import type { DeviceRecord } from '../devices/device-records.ts';
import type { DomainEvent } from '../events/event.ts';
import type { MobileNumberRecord } from '../mobile-number/ports.ts';
import type { TimelineEntry } from './operator.schema.ts';

/** What a second-factor reset finds before it changes anything. */
export interface ResetState {
  number: MobileNumberRecord | undefined;
  /** The person's bound (active) devices. */
  devices: DeviceRecord[];
  /** The person's count of active devices, which the commit requires to be unchanged. */
  activeCount: number;
}

export interface ResetCommit {
  personId: string;
  /** The number to delete (with its deletion event), if the reset removes it. */
  number?: { record: MobileNumberRecord; event: DomainEvent };
  /** The devices to revoke (each with its deletion event), if the reset revokes them. */
  devices?: { records: DeviceRecord[]; events: DomainEvent[]; activeCount: number };
  reset: DomainEvent;
  coolingOff: { window: CoolingOff; event: DomainEvent };
  now: Date;
}

export interface SecondFactorResets {
  load(personId: string): Promise<ResetState>;
  /** One transaction; `changed` when the number or the person's devices changed since `load`. */
  commit(reset: ResetCommit): Promise<'committed' | 'changed'>;
}

export interface TimelinePage {
  entries: TimelineEntry[];
  next: string | undefined;
}

export interface SecurityTimeline {
  /** One page of the person's events, newest first; `cursor` is a `next` this port answered before. */
  page(personId: string, size: number, cursor: string | undefined): Promise<TimelinePage>;
}
