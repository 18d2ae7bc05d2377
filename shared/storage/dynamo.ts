import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
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
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  documents.middlewareStack.add(
    (next, context) => async (args) =>
      context.commandName === 'TransactWriteItemsCommand'
        ? withConflictRetries(() => next(args))
        : next(args),
    { step: 'initialize', name: 'retryTransactionConflicts' },
  );
  return documents;
}

const CONFLICT_RETRIES = 8;

/** True when DynamoDB cancelled a transaction only because a concurrent transaction touched one of its items. */
export function isConflictOnly(error: unknown): boolean {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return false;
  const reasons =
    (error as Error & { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? [];
  return (
    reasons.some((r) => r.Code === 'TransactionConflict') &&
    reasons.every((r) => !r.Code || r.Code === 'None' || r.Code === 'TransactionConflict')
  );
}

/**
 * DynamoDB cancels, rather than queues, a transaction that meets a concurrent one on the same item. Such a
 * cancellation says nothing about the conditions, so every transaction is retried here, with jitter, until it either
 * commits or fails on its own conditions; stores then only ever see real condition failures.
 */
export async function withConflictRetries<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!isConflictOnly(error) || attempt >= CONFLICT_RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * (attempt + 1)));
    }
  }
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

export type ItemKey = { PK: string; SK: string };
/** One item of a TransactWriteItems call, and its Update form (which is also an UpdateItem input). */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
export type TransactUpdate = NonNullable<TransactItem['Update']>;
export type Item = Record<string, unknown>;

const keyString = (key: Record<string, unknown>) => `${String(key.PK)}\u0000${String(key.SK)}`;

/**
 * Reads several items in one round trip (BatchGetItem, strongly consistent), answering them in the order of `keys`
 * (undefined where an item does not exist). Keys DynamoDB leaves unprocessed (throttling) are read again after a
 * short pause; only then does a read take more than one round trip.
 */
export async function readItems(
  db: DocumentClient,
  tableName: string,
  keys: readonly ItemKey[],
): Promise<Array<Item | undefined>> {
  const found = new Map<string, Item>();
  let pending: Record<string, unknown>[] = [...keys];
  for (let round = 0; pending.length > 0; round++) {
    if (round === 5) throw new Error('DynamoDB left keys unprocessed five times in a row');
    if (round > 0) await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** round));
    const { Responses, UnprocessedKeys } = await db.send(
      new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }),
    );
    for (const item of Responses?.[tableName] ?? []) found.set(keyString(item), item);
    pending = UnprocessedKeys?.[tableName]?.Keys ?? [];
  }
  return keys.map((key) => found.get(keyString(key)));
}
