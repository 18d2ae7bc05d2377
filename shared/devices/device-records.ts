/** The device aggregates as the use cases see them: devices, their keys, challenges, the person's device count. */
export const KEY_PURPOSES = ['unrestricted', 'restricted'] as const;
export type KeyPurpose = (typeof KEY_PURPOSES)[number];
export type DeviceStatus = 'pending' | 'active' | 'deleted';

export interface DeviceRecord {
  id: string;
  personId: string;
  name: string;
  status: DeviceStatus;
  createdAt: string;
  boundAt?: string | undefined;
  deletedAt?: string | undefined;
  /** The key that signs for each purpose; only an active device has any. */
  activeKeys: Partial<Record<KeyPurpose, string>>;
}

export interface KeyRecord {
  keyId: string;
  deviceId: string;
  personId: string;
  /** Hex of the uncompressed point, lower case. */
  publicKey: string;
  keyType: 'ecdsa-p256';
  keyPurpose: KeyPurpose;
  createdAt: string;
  usedAt?: string | undefined;
}

interface ChallengeBase {
  id: string;
  deviceId: string;
  keyId: string;
  keyPurpose: KeyPurpose;
  personId: string;
  createdAt: string;
  expiresAtMs: number;
  attempts: number;
  consumedAt?: string | undefined;
  /**
   * The signing key's public key, copied in when the challenge is made, so that an answer is checked from the
   * challenge alone (one read). Completion still requires the device to be active with that key.
   */
  publicKey?: string | undefined;
}

/** Proves possession of a new key: the device signs the OTP sent by SMS. The OTP is kept sealed, never plain. */
export interface SignatureChallengeRecord extends ChallengeBase {
  type: 'signature';
  sealedOtp: string;
  /** The pending device's name and creation time (for DEVICE_BOUND and the person's index). */
  deviceName?: string | undefined;
  deviceCreatedAt?: string | undefined;
  /** The verified mobile number record the OTP went to: the binding completes only while it is still the person's. */
  sentTo?: string | undefined;
}

/** Device signing: the device signs a random string with an active key. `boundTo` ties it to one caller's purpose. */
export interface DeviceChallengeRecord extends ChallengeBase {
  type: 'device';
  stringToSign: string;
  boundTo?: string | undefined;
}

export type ChallengeRecord = SignatureChallengeRecord | DeviceChallengeRecord;

/** At most this many active (bound, not deleted) devices per person. */
export const MAX_ACTIVE_DEVICES = 5;

/** Why a challenge refused an attempt. */
export type AttemptRefusal = 'not_found' | 'used' | 'expired' | 'burnt' | 'factor_gone';

/** What a device must still be for an answer to count: pending (a binding) or active with the challenge's key. */
export type DeviceExpectation =
  | { state: 'pending' }
  | { state: 'active_with_key'; keyPurpose: KeyPurpose; keyId: string };

export const expectationFor = (challenge: ChallengeRecord): DeviceExpectation =>
  challenge.type === 'signature'
    ? { state: 'pending' }
    : { state: 'active_with_key', keyPurpose: challenge.keyPurpose, keyId: challenge.keyId };
