import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTableInput } from './table-definition.ts';

export type DocumentClient = DynamoDBDocumentClient;

export function createDocumentClient(options: {
  region: string;
  endpoint?: string | undefined;
}): DocumentClient {
  const client = new DynamoDBClient({
    region: options.region,
    ...(options.endpoint
      ? { endpoint: options.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** True when a single conditional write failed its condition. */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/**
 * For a failed TransactWriteItems call: the indexes of the items whose condition failed, or undefined when the
 * error is something else (throttling, a conflict with another transaction, a network error).
 */
export function transactionConditionFailures(error: unknown): number[] | undefined {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return undefined;
  const reasons =
    (error as Error & { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? [];
  const failed = reasons.flatMap((reason, index) =>
    reason.Code === 'ConditionalCheckFailed' ? [index] : [],
  );
  return failed.length > 0 ? failed : undefined;
}

/** Creates the table on DynamoDB Local (or any endpoint) unless it exists. */
export async function ensureTable(client: DocumentClient, tableName: string): Promise<void> {
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (error) {
    if (error instanceof ResourceInUseException) return;
    throw error;
  }
}

export const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);
