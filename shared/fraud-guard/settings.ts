/** The fraud guard's settings are read with the rest of the configuration (shared/config.ts). */
export { type FraudGuardSettings, PROTECTION_LEVELS, type ProtectionLevel } from '../config.ts';
