import type { DynamoCoolingOffs } from '../cooling-off/dynamo-cooling-offs.ts';
import type { DeviceStore } from '../devices/device-store.ts';
import { outboxPut } from '../events/event.ts';
import type { MobileNumberStore } from '../mobile-number/dynamo-mobile-number-store.ts';
import { type DocumentClient, type TxPart, tx } from '../storage/dynamo.ts';
import type { ResetCommit, ResetState, SecondFactorResets } from './ports.ts';

/** A person's bound devices are at most five; one page of this size holds them all. */
const DEVICE_PAGE = 100;

/**
 * The second-factor reset's DynamoDB adapter: it reads the number, the bound devices (GSI1) and the device count,
 * and commits the whole reset in one transaction, built from the items the number, device and cooling-off stores
 * prepare, with every event's outbox record.
 */
export class DynamoSecondFactorResets implements SecondFactorResets {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
    private readonly stores: {
      mobileNumbers: MobileNumberStore;
      devices: DeviceStore;
      coolingOffs: DynamoCoolingOffs;
    },
  ) {}

  async load(personId: string): Promise<ResetState> {
    const { mobileNumbers, devices } = this.stores;
    const [number, bound, activeCount] = await Promise.all([
      mobileNumbers.get(personId),
      devices.listDevices(personId, { includeDeleted: false, pageSize: DEVICE_PAGE, pageNumber: 1 }),
      devices.activeDeviceCount(personId),
    ]);
    return { number, devices: bound.filter((device) => device.status === 'active'), activeCount };
  }

  /**
   * All or nothing: the number goes only while it is still the record read (same id, same verification state), each
   * device only while it is still active, and the device count must still be the one read, so a binding that
   * completed meanwhile (GSI1 is eventually consistent) fails the reset instead of surviving it.
   */
  async commit(reset: ResetCommit): Promise<'committed' | 'changed'> {
    const { mobileNumbers, devices, coolingOffs } = this.stores;
    const parts: TxPart[] = [];
    if (reset.number) {
      parts.push(
        ...mobileNumbers
          .deletionItems(reset.number.record, reset.number.event, reset.now)
          .map((part) => (part.name === 'event' ? { ...part, name: 'number_event' } : part)),
      );
    }
    if (reset.devices) {
      const { records, events, activeCount } = reset.devices;
      records.forEach((device, index) => {
        parts.push(
          { ...devices.devices.softDelete(device, reset.now), name: `device:${device.id}` },
          { ...outboxPut(this.tableName, events[index]!, reset.now), name: `device_event:${device.id}` },
        );
      });
      parts.push(devices.counter.revokeAll(reset.personId, activeCount));
    }
    parts.push(
      { ...outboxPut(this.tableName, reset.reset, reset.now), name: 'reset_event' },
      ...coolingOffs.startItems(reset.coolingOff.window, reset.coolingOff.event, reset.now),
    );
    const failed = await tx(this.db, this.tableName)
      .add(...parts)
      .commit();
    return failed.size === 0 ? 'committed' : 'changed';
  }
}
