/** The fraud guard's settings, apart from its rule so that the configuration module pulls in nothing else. */
export const PROTECTION_LEVELS = ['off', 'basic', 'standard', 'max'] as const;
export type ProtectionLevel = (typeof PROTECTION_LEVELS)[number];

export interface FraudGuardSettings {
  level: ProtectionLevel;
  clientHourlyCap: number;
  clientDailyCap: number;
  /** Per-client overrides of the two caps, by requester id (`client_id` of the partner token). */
  clientCaps: ReadonlyMap<string, { hourly: number; daily: number }>;
  globalHourlyCap: number;
}
