import * as z from '../zod.ts';
import { defineEvent } from './event.ts';

/**
 * Payment authorization events (this service's extension; the seeds name none), written to the outbox in the same
 * transaction as the change they describe. They carry the authorized terms and their digest, never a TAN.
 */
const terms = {
  authorization_id: z.string(),
  person_id: z.string(),
  method: z.enum(['sms', 'device_signing']),
  amount: z.object({ value: z.number(), currency: z.string() }),
  payee: z.object({
    name: z.string(),
    iban: z.optional(z.string()),
    account_reference: z.optional(z.string()),
  }),
  digest: z.string(),
};

/** An authorization was opened and its TAN sent or its device challenge issued. */
export const PaymentAuthorizationCreated = defineEvent('PAYMENT_AUTHORIZATION_CREATED', 1, () =>
  z.object({ ...terms, device_id: z.optional(z.string()), expires_at: z.string() }),
);

/** The person confirmed: the receipt is the signed proof of SCA the bank may keep. */
export const PaymentAuthorizationConfirmed = defineEvent('PAYMENT_AUTHORIZATION_CONFIRMED', 1, () =>
  z.object({
    ...terms,
    device_id: z.optional(z.string()),
    key_id: z.optional(z.string()),
    receipt: z.string(),
  }),
);

/** The authorization failed for good: three wrong answers, or its five minutes ran out unanswered. */
export const PaymentAuthorizationFailed = defineEvent('PAYMENT_AUTHORIZATION_FAILED', 1, () =>
  z.object({ ...terms, reason: z.enum(['attempts_exhausted', 'expired']) }),
);
