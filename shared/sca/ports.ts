import type { CoolingOff } from '../cooling-off/cooling-off.ts';
import type { MobileNumberRecord } from '../mobile-number/ports.ts';
import type { Language } from '../sms/templates.ts';

/** Whom a code goes to, as one read finds them: the person's number, their language and cooling-off window. */
export interface Recipient {
  personId: string;
  /** The person's number record (verified or not); a code that needs the verified number refuses an unverified one. */
  number: MobileNumberRecord | undefined;
  language: Language;
  coolingOff: CoolingOff | undefined;
}

/** The port of sending a code: one read of everything deciding whether and where a code may go. */
export interface Recipients {
  recipient(personId: string): Promise<Recipient>;
}
