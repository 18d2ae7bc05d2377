import type { IncomingMessage } from 'node:http';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { numberKey, otpKey } from '../mobile-number/dynamo-mobile-number-store.ts';
import type { DocumentClient } from '../storage/dynamo.ts';

/**
 * What `GET /_local/person?id=…` shows (local mode only): the stored mobile number record, the pending code's attempts
 * and how many code checks were charged today. Never a code or a hash.
 */
export async function personRecords(db: DocumentClient, tableName: string, request: IncomingMessage) {
  const personId = new URL(request.url ?? '/', 'http://local').searchParams.get('id') ?? '';
  const get = async (Key: Record<string, string>) =>
    (await db.send(new GetCommand({ TableName: tableName, Key, ConsistentRead: true }))).Item;
  const mobileNumber = await get(numberKey(personId));
  const pendingOtp = await get(otpKey(personId));
  const budget = await get({ PK: `CODE_CHECKS#${personId}`, SK: 'CODE_CHECKS' });
  return {
    mobileNumber: mobileNumber ?? null,
    pendingOtpAttempts: pendingOtp?.attempts ?? null,
    codeChecksCharged: Object.keys(budget ?? {}).filter((name) => /^s\d+$/.test(name)).length,
  };
}
