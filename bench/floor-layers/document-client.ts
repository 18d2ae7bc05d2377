/**
 * The floor plus the document client every function reads through (shared/storage/dynamo.ts): the same item read,
 * as `GetCommand` with plain values.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';

const endpoint = process.env.DYNAMODB_ENDPOINT;
const documents = DynamoDBDocumentClient.from(
  new DynamoDBClient({
    region: process.env.AWS_REGION ?? 'us-east-1',
    ...(endpoint ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  }),
);

export async function readFloorItem() {
  const { Item } = await documents.send(
    new GetCommand({ TableName: process.env.TABLE_NAME, Key: { PK: 'PERSON#floor', SK: 'MOBILE_NUMBER' } }),
  );
  return { statusCode: Item ? 200 : 404, body: '' };
}

export const handler = readFloorItem;
