/**
 * The cold-init floor: the least a function of this service can do, bundled like every function. It makes the
 * DynamoDB client the way the service does (endpoint and static credentials from the configuration) and reads one item.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';

const endpoint = process.env.DYNAMODB_ENDPOINT;
const client = new DynamoDBClient({
  region: process.env.AWS_REGION ?? 'us-east-1',
  ...(endpoint ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
});

export const handler = async () => {
  const { Item } = await client.send(
    new GetItemCommand({
      TableName: process.env.TABLE_NAME,
      Key: { PK: { S: 'PERSON#floor' }, SK: { S: 'MOBILE_NUMBER' } },
    }),
  );
  return { statusCode: Item ? 200 : 404, body: '' };
};
