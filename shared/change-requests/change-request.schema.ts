import * as z from 'zod';
import { personId } from '../validation.ts';

export const changeRequestPath = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/),
});

const deviceId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/);

export const authorizeChangeRequestBody = z.discriminatedUnion('delivery_method', [
  z.strictObject({ delivery_method: z.literal('mobile_number'), person_id: personId }),
  z.strictObject({
    delivery_method: z.literal('device_signing'),
    device_id: deviceId,
    key_purpose: z.enum(['unrestricted', 'restricted']).optional(),
  }),
]);

export const confirmChangeRequestBody = z.union([
  z.strictObject({ person_id: personId, tan: z.string().regex(/^\d{6}$/, 'must be the six-digit TAN') }),
  z.strictObject({ device_id: deviceId, signature: z.string().min(2).max(400) }),
]);
