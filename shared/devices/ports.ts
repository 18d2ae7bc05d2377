import type { BudgetCharge } from '../codes/one-time-code.ts';
import type { CoolingOff } from '../cooling-off/cooling-off.ts';
import type { DomainEvent } from '../events/event.ts';
import type { WindowUses } from '../quota/rolling-window.ts';
import type {
  ChallengeRecord,
  DeviceChallengeRecord,
  DeviceRecord,
  KeyRecord,
  SignatureChallengeRecord,
} from './device-records.ts';

/**
 * The devices of a person, their keys and challenges, in the device use cases' words. Every change that touches
 * several of them is one transaction, answering a named outcome.
 */
export interface Devices {
  getDevice(deviceId: string): Promise<DeviceRecord | undefined>;
  getKey(deviceId: string, keyId: string): Promise<KeyRecord | undefined>;
  getChallenge(challengeId: string): Promise<ChallengeRecord | undefined>;
  activeDeviceCount(personId: string): Promise<number>;
  listKeys(deviceId: string): Promise<KeyRecord[]>;
  listDevices(
    personId: string,
    options: { includeDeleted: boolean; pageSize: number; pageNumber: number },
  ): Promise<DeviceRecord[]>;
  /** What answering a binding reads besides its challenge: budget, verified number, cooling-off, in one read. */
  loadBindingCheck(
    personId: string,
  ): Promise<{ budget: WindowUses; verifiedNumber: string | null; coolingOff: CoolingOff | undefined }>;
  createPendingBinding(
    device: DeviceRecord,
    key: KeyRecord,
    challenge: SignatureChallengeRecord,
    deviceData: string | undefined,
  ): Promise<void>;
  createDeviceChallenge(challenge: DeviceChallengeRecord): Promise<boolean>;
  chargeWrongAnswer(
    challenge: ChallengeRecord,
    now: Date,
    maxAttempts: number,
    charge?: BudgetCharge,
  ): Promise<'charged' | 'refused' | 'device_gone' | 'budget_taken'>;
  completeBinding(
    challenge: SignatureChallengeRecord,
    device: Pick<DeviceRecord, 'id' | 'personId' | 'createdAt'>,
    event: DomainEvent,
    now: Date,
    maxAttempts: number,
    check: { charge: BudgetCharge; verifiedNumber: string },
  ): Promise<'ok' | 'used' | 'device_gone' | 'too_many_devices' | 'budget_taken' | 'factor_gone'>;
  completeDeviceChallenge(
    challenge: DeviceChallengeRecord,
    now: Date,
    maxAttempts: number,
  ): Promise<'ok' | 'used' | 'device_gone'>;
  deleteDevice(device: DeviceRecord, event: DomainEvent, now: Date): Promise<boolean>;
  addKey(key: KeyRecord, signer: KeyRecord, event: DomainEvent, now: Date): Promise<boolean>;
}
