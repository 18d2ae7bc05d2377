/** A change request as the use cases see it: a guarded action waiting for a second factor. */
export type ChangeRequestStatus =
  | 'AUTHORIZATION_REQUIRED'
  | 'CONFIRMATION_REQUIRED'
  | 'COMPLETED'
  | 'FAILED'
  | 'EXPIRED';

export type DeliveryMethod = 'mobile_number' | 'device_signing';

export interface ChangeRequestRecord {
  id: string;
  personId: string;
  /** The guarded action's name, e.g. `mobile_number.delete`. */
  action: string;
  /** The action's parameters, as its registry entry validates them. */
  params: Record<string, unknown>;
  status: ChangeRequestStatus;
  createdAt: string;
  updatedAt: string;
  expiresAtMs: number;
  deliveryMethod?: DeliveryMethod;
  /** SMS TAN: the HMAC of the code and the id it was hashed with. */
  otpId?: string;
  otpHash?: string;
  /** SMS TAN: the verified mobile number record it was sent to. */
  otpSentTo?: string | undefined;
  /** Device signing: the challenge and device the confirmation must come from. */
  challengeId?: string;
  deviceId?: string;
  attempts: number;
  responseCode?: number;
  responseBody?: unknown;
}
