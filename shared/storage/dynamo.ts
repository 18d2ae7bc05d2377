import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
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
 * error is something else (throttling, a conflict with another transaction, a network error). Only `tx` reads
 * indexes; everything else reads the names it reports.
 */
function transactionConditionFailures(error: unknown): number[] | undefined {
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

/** A condition on one item, in DynamoDB's expression form. */
export interface Condition {
  ConditionExpression: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

/** An update of one item, without its table (the transaction adds it). */
export type UpdateSpec = Omit<TransactUpdate, 'TableName'>;

/** One named item of a transaction. Stores hand these to each other so one transaction can span several stores. */
export interface TxPart {
  name: string;
  item: TransactItem;
}

/**
 * A TransactWriteItems call whose items carry names. `commit` answers the names of the items whose condition failed
 * (empty when it committed), so an outcome never depends on where an item sits in the list:
 *
 *   const failed = await tx(db, table).update('budget', charge).delete('code', key, stillUsable).commit();
 *   if (failed.has('code')) return 'code_changed';
 *
 * Conflicts with concurrent transactions are retried by the client (see `withConflictRetries`); any other error is
 * thrown. `commit({ cancelledAs })` reports a cancellation without a condition failure (conflicts that outlasted the
 * retries) as a failure of that item instead of throwing.
 */
export class Tx {
  private readonly parts: TxPart[] = [];

  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
  ) {}

  put(name: string, item: Item, condition?: Condition): this {
    return this.add({ name, item: { Put: { TableName: this.tableName, Item: item, ...condition } } });
  }

  update(name: string, update: UpdateSpec): this {
    return this.add({ name, item: { Update: { TableName: this.tableName, ...update } } });
  }

  delete(name: string, key: ItemKey, condition?: Condition): this {
    return this.add({ name, item: { Delete: { TableName: this.tableName, Key: key, ...condition } } });
  }

  check(name: string, key: ItemKey, condition: Condition): this {
    return this.add({
      name,
      item: { ConditionCheck: { TableName: this.tableName, Key: key, ...condition } },
    });
  }

  /** Adds items another store prepared (an outbox record, a counter bump, a guarded action's writes). */
  add(...parts: TxPart[]): this {
    for (const part of parts) {
      if (this.parts.some((existing) => existing.name === part.name)) {
        throw new Error(`transaction item "${part.name}" named twice`);
      }
      this.parts.push(part);
    }
    return this;
  }

  get size(): number {
    return this.parts.length;
  }

  async commit(options: { cancelledAs?: string } = {}): Promise<ReadonlySet<string>> {
    if (this.parts.length === 0) return new Set();
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: this.parts.map((part) => part.item) }));
      return new Set();
    } catch (error) {
      const failed = transactionConditionFailures(error);
      if (failed) return new Set(failed.map((index) => this.parts[index]!.name));
      if (options.cancelledAs && error instanceof Error && error.name === 'TransactionCanceledException') {
        return new Set([options.cancelledAs]);
      }
      throw error;
    }
  }
}

export const tx = (db: DocumentClient, tableName: string) => new Tx(db, tableName);

/** Reads one item (strongly consistent); undefined when it does not exist. */
export async function readItem(
  db: DocumentClient,
  tableName: string,
  key: ItemKey,
  options: { consistent?: boolean } = {},
): Promise<Item | undefined> {
  const { Item } = await db.send(
    new GetCommand({ TableName: tableName, Key: key, ConsistentRead: options.consistent ?? true }),
  );
  return Item;
}

/**
 * Where each field of a record sits in its item: `true` for the attribute named as the field in snake_case
 * (`personId` in `person_id`), or the attribute's name. Every field must be named, so a field added to the record
 * and forgotten here does not compile.
 */
export type ItemFields<T> = { readonly [K in keyof T]-?: true | string };

const snakeCase = (field: string) => field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/**
 * The reader of one record shape from its items. An item is written only by the adapter that reads it, so each
 * attribute is taken as the type its field declares (as the casts it replaces did); an absent one reads undefined.
 */
export function recordReader<T>(fields: ItemFields<T>): (item: Item) => T {
  const attributes = Object.entries(fields).map(
    ([field, name]) => [field, name === true ? snakeCase(field) : (name as string)] as const,
  );
  return (item) =>
    Object.fromEntries(attributes.map(([field, attribute]) => [field, item[attribute]])) as unknown as T;
}

/** An adapter over one table: its client and the table's name, and the read of one item as a record. */
export abstract class DynamoAdapter {
  constructor(
    protected readonly db: DocumentClient,
    protected readonly tableName: string,
  ) {}

  /** The item at `key`, strongly consistent, as a record; undefined when it does not exist. */
  protected async readRecord<T>(key: ItemKey, toRecord: (item: Item) => T): Promise<T | undefined> {
    const item = await readItem(this.db, this.tableName, key);
    return item ? toRecord(item) : undefined;
  }
}

/**
 * Runs one conditional write (PutItem, UpdateItem, DeleteItem); answers undefined when its condition failed and
 * the write's output otherwise. The one place a single write's ConditionalCheckFailed becomes an outcome.
 */
export async function conditionally<T extends object>(write: () => Promise<T>): Promise<T | undefined> {
  try {
    return await write();
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

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
