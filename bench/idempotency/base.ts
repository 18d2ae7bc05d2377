/**
 * The base of the idempotency variants: what every partner write function already has, the service's DynamoDB
 * document client (shared/storage/dynamo.ts), and one read standing in for the operation. The variants add only
 * the idempotency layer on top, so their difference to this is the layer's own cost.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../shared/storage/dynamo.ts';

export const db = createDocumentClient({
  region: process.env.AWS_REGION ?? 'us-east-1',
  endpoint: process.env.DYNAMODB_ENDPOINT,
});
export const tableName = process.env.TABLE_NAME!;

/** The operation: one read, answered as a 201 with a small JSON body. */
export async function operation() {
  const { Item } = await db.send(
    new GetCommand({ TableName: tableName, Key: { PK: 'PERSON#bench', SK: 'MOBILE_NUMBER' } }),
  );
  return {
    statusCode: 201,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ id: 'bench', found: Boolean(Item) }),
  };
}

export const handler = operation;
