import { randomUUID } from 'node:crypto';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';

const db = new DynamoDBClient({ region: process.env.AWS_REGION });

/**
 * The real-account test's webhook receiver (a Lambda function URL): stores every POST, headers and body as
 * received, for a day, and answers 200. test/aws/run.ts reads the stored deliveries and checks their signatures.
 */
export const handler = async (event: LambdaFunctionURLEvent): Promise<LambdaFunctionURLResult> => {
  const body = event.isBase64Encoded
    ? Buffer.from(event.body ?? '', 'base64').toString('utf8')
    : (event.body ?? '');
  const now = Date.now();
  await db.send(
    new PutItemCommand({
      TableName: process.env.RECEIVER_TABLE,
      Item: {
        pk: { S: 'DELIVERY' },
        sk: { S: `${new Date(now).toISOString()}#${randomUUID()}` },
        headers: { S: JSON.stringify(event.headers) },
        body: { S: body },
        ttl: { N: String(Math.floor(now / 1000) + 86_400) },
      },
    }),
  );
  return { statusCode: 200, body: '' };
};
