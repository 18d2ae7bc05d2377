import type { BudgetCharge } from '../codes/one-time-code.ts';
import type { CoolingOff } from '../cooling-off/cooling-off.ts';
import type { DynamoCoolingOffs } from '../cooling-off/dynamo-cooling-offs.ts';
import { type DomainEvent, outboxPut } from '../events/event.ts';
import {
  numberKey,
  verifiedNumberIn,
  verifiedNumberStill,
} from '../mobile-number/dynamo-mobile-number-store.ts';
import type { GuessBudget } from '../quota/guess-budget.ts';
import type { WindowUses } from '../quota/rolling-window.ts';
import { type DocumentClient, readItems, type TxPart, tx } from '../storage/dynamo.ts';
import {
  type ChallengeRecord,
  type DeviceChallengeRecord,
  type DeviceRecord,
  expectationFor,
  type KeyRecord,
  MAX_ACTIVE_DEVICES,
  type SignatureChallengeRecord,
} from './device-records.ts';
import { DynamoChallenges, RETENTION_SECONDS } from './dynamo-challenges.ts';
import { DynamoDeviceCounter } from './dynamo-device-counter.ts';
import { DynamoDeviceKeys } from './dynamo-device-keys.ts';
import { DynamoDevices } from './dynamo-devices.ts';
import type { Devices } from './ports.ts';

export {
  type AttemptRefusal,
  type ChallengeRecord,
  type DeviceChallengeRecord,
  type DeviceRecord,
  type DeviceStatus,
  KEY_PURPOSES,
  type KeyPurpose,
  type KeyRecord,
  MAX_ACTIVE_DEVICES,
  type SignatureChallengeRecord,
} from './device-records.ts';

/**
 * The device use cases' port: reads of the four aggregates (devices, keys, challenges, the person's device count),
 * and the transactions that change several of them together, each answering a named outcome. Which item is which,
 * and what a condition failure means, is decided here by item name, never by position.
 */
export class DeviceStore implements Devices {
  readonly devices: DynamoDevices;
  readonly keys: DynamoDeviceKeys;
  readonly challenges: DynamoChallenges;
  readonly counter: DynamoDeviceCounter;

  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
    /** What answering a binding also reads and charges (only the function that answers bindings needs them). */
    private readonly binding?: { budget: GuessBudget; coolingOffs: DynamoCoolingOffs },
  ) {
    this.devices = new DynamoDevices(db, tableName);
    this.keys = new DynamoDeviceKeys(db, tableName);
    this.challenges = new DynamoChallenges(db, tableName);
    this.counter = new DynamoDeviceCounter(db, tableName);
  }

  private tx() {
    return tx(this.db, this.tableName);
  }

  getDevice(deviceId: string): Promise<DeviceRecord | undefined> {
    return this.devices.get(deviceId);
  }

  getKey(deviceId: string, keyId: string): Promise<KeyRecord | undefined> {
    return this.keys.get(deviceId, keyId);
  }

  getChallenge(challengeId: string): Promise<ChallengeRecord | undefined> {
    return this.challenges.get(challengeId);
  }

  activeDeviceCount(personId: string): Promise<number> {
    return this.counter.activeCount(personId);
  }

  listKeys(deviceId: string): Promise<KeyRecord[]> {
    return this.keys.list(deviceId);
  }

  listDevices(
    personId: string,
    options: { includeDeleted: boolean; pageSize: number; pageNumber: number },
  ): Promise<DeviceRecord[]> {
    return this.devices.list(personId, options);
  }

  private bindingPorts() {
    if (!this.binding) throw new Error('this device store is not composed with the binding check ports');
    return this.binding;
  }

  /**
   * What answering a binding reads besides its challenge, in one read: the person's code-check budget, the id of the
   * person's verified number record (null when none), and the cooling-off window.
   */
  async loadBindingCheck(
    personId: string,
  ): Promise<{ budget: WindowUses; verifiedNumber: string | null; coolingOff: CoolingOff | undefined }> {
    const { budget, coolingOffs } = this.bindingPorts();
    const [budgetItem, numberItem, windowItem] = await readItems(this.db, this.tableName, [
      budget.key(personId),
      numberKey(personId),
      coolingOffs.key(personId),
    ]);
    return {
      budget: budget.usesIn(budgetItem),
      verifiedNumber: verifiedNumberIn(numberItem),
      coolingOff: coolingOffs.windowIn(personId, windowItem),
    };
  }

  /** The budget unit of a binding answer, and the check that the number the OTP went to is still verified. */
  private bindingCharge(personId: string, charge: BudgetCharge, verifiedNumber?: string): TxPart[] {
    return [
      this.bindingPorts().budget.charge(personId, charge),
      ...(verifiedNumber !== undefined ? verifiedNumberStill(this.tableName, personId, verifiedNumber) : []),
    ];
  }

  /** Stores a pending device, its pending key and the binding challenge together (ids are fresh: no overwrite). */
  async createPendingBinding(
    device: DeviceRecord,
    key: KeyRecord,
    challenge: SignatureChallengeRecord,
    deviceData: string | undefined,
  ): Promise<void> {
    const ttl = Math.ceil(challenge.expiresAtMs / 1000) + RETENTION_SECONDS;
    const failed = await this.tx()
      .add(
        this.devices.putPending(device, deviceData, ttl),
        this.keys.put(key, ttl),
        this.challenges.put(challenge),
      )
      .commit();
    if (failed.size > 0) throw new Error(`fresh ids already in use: ${[...failed].join(', ')}`);
  }

  /** Stores a device challenge while the device is active with the challenge's key; false otherwise. */
  async createDeviceChallenge(challenge: DeviceChallengeRecord): Promise<boolean> {
    const failed = await this.tx()
      .add(
        this.devices.stillExpected(challenge.deviceId, expectationFor(challenge)),
        this.challenges.put(challenge),
      )
      .commit();
    return failed.size === 0;
  }

  /**
   * Charges a wrong answer: one attempt, provided the challenge is still answerable and its device still in the
   * state the answer needed (`pending` for a binding, active with the challenge's key for device signing). The
   * caller tells the answer only after this committed, so racing wrong answers never learn more than
   * `maxAttempts` outcomes. Answers `charged`, `refused` (read the challenge again for the reason) or `device_gone`.
   */
  async chargeWrongAnswer(
    challenge: ChallengeRecord,
    now: Date,
    maxAttempts: number,
    /** A binding answer's unit of the person's daily budget (a signature over an SMS code is a guess). */
    charge?: BudgetCharge,
  ): Promise<'charged' | 'refused' | 'device_gone' | 'budget_taken'> {
    const commit = this.tx().add(
      this.challenges.chargeAttempt(challenge.id, now, maxAttempts),
      this.devices.stillExpected(challenge.deviceId, expectationFor(challenge)),
    );
    if (charge) commit.add(...this.bindingCharge(challenge.personId, charge));
    const failed = await commit.commit(charge ? { cancelledAs: 'budget' } : {});
    if (failed.has('challenge')) return 'refused';
    if (failed.has('device')) return 'device_gone';
    if (failed.has('budget')) return 'budget_taken';
    return 'charged';
  }

  /**
   * Completes a binding in one transaction: the challenge is consumed (exactly once), the device and key become
   * active, the person's active-device count goes up unless it is at the limit, and DEVICE_BOUND is written.
   */
  async completeBinding(
    challenge: SignatureChallengeRecord,
    device: Pick<DeviceRecord, 'id' | 'personId' | 'createdAt'>,
    event: DomainEvent,
    now: Date,
    maxAttempts: number,
    /** The budget unit, and the verified number record the OTP went to, which must still be the person's. */
    check: { charge: BudgetCharge; verifiedNumber: string },
  ): Promise<'ok' | 'used' | 'device_gone' | 'too_many_devices' | 'budget_taken' | 'factor_gone'> {
    const failed = await this.tx()
      .add(
        this.challenges.consume(challenge.id, now, maxAttempts),
        this.devices.activate(device, challenge.keyPurpose, challenge.keyId, now),
        this.keys.markUsed(device.id, challenge.keyId, now, { keep: true }),
        this.counter.increment(device.personId, MAX_ACTIVE_DEVICES),
        outboxPut(this.tableName, event, now),
        ...this.bindingCharge(device.personId, check.charge, check.verifiedNumber),
      )
      .commit({ cancelledAs: 'budget' });
    if (failed.has('challenge')) return 'used';
    if (failed.has('device') || failed.has('key')) return 'device_gone';
    if (failed.has('counter')) return 'too_many_devices';
    if (failed.has('number')) return 'factor_gone';
    if (failed.has('budget')) return 'budget_taken';
    return 'ok';
  }

  /**
   * Completes a device signing in one transaction: the challenge is consumed (exactly once) and the key's `used_at`
   * set, provided the device is still active and the key still signs for its purpose.
   */
  async completeDeviceChallenge(
    challenge: DeviceChallengeRecord,
    now: Date,
    maxAttempts: number,
  ): Promise<'ok' | 'used' | 'device_gone'> {
    const failed = await this.tx()
      .add(
        this.challenges.consume(challenge.id, now, maxAttempts),
        this.keys.markUsed(challenge.deviceId, challenge.keyId, now),
        this.devices.stillExpected(challenge.deviceId, expectationFor(challenge)),
      )
      .commit();
    if (failed.has('challenge')) return 'used';
    if (failed.size > 0) return 'device_gone';
    return 'ok';
  }

  /**
   * Soft-deletes a device: it keeps its record with `deleted_at`, loses its active keys (nothing can sign for it
   * again), moves to the DELETED# part of the person's index, and frees a place in the person's count if it was
   * bound. Answers false when the device changed meanwhile.
   */
  async deleteDevice(device: DeviceRecord, event: DomainEvent, now: Date): Promise<boolean> {
    const commit = this.tx().add(this.devices.softDelete(device, now));
    if (device.status === 'active') commit.add(this.counter.decrement(device.personId));
    const failed = await commit.add(outboxPut(this.tableName, event, now)).commit();
    return failed.size === 0;
  }

  /**
   * Adds an active key to an active device in one transaction: the key is stored, the device's slot for its purpose
   * (which must be free) points at it, the signing key (which must still sign for its purpose) gets `used_at`, and
   * DEVICE_KEY_ADDED is written. Answers false when any of that no longer holds.
   */
  async addKey(key: KeyRecord, signer: KeyRecord, event: DomainEvent, now: Date): Promise<boolean> {
    const failed = await this.tx()
      .add(
        this.keys.put(key),
        this.devices.assignKey(key.deviceId, key.keyPurpose, key.keyId, {
          purpose: signer.keyPurpose,
          keyId: signer.keyId,
        }),
        this.keys.markUsed(signer.deviceId, signer.keyId, now, { name: 'signer' }),
        outboxPut(this.tableName, event, now),
      )
      .commit();
    return failed.size === 0;
  }
}
