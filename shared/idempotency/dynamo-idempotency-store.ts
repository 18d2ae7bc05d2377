import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DocumentClient } from '../storage/dynamo.ts';
import {
  type ClaimOutcome,
  IDEMPOTENCY_TTL_SECONDS,
  type IdempotencyStore,
  type StoredAnswer,
} from './idempotency.ts';

const isConditionFailure = (error: unknown) =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';

/**
 * The item a refused conditional write returned (ReturnValuesOnConditionCheckFailure). The document client does not
 * convert items inside an error, so the four attributes of a claim are read from DynamoDB's wire form here.
 */
function heldItem(error: unknown): Record<string, unknown> | undefined {
  const item = (error as { Item?: Record<string, { S?: string; N?: string }> }).Item;
  if (!item?.fingerprint?.S || !item.ttl?.N) return undefined;
  return {
    fingerprint: item.fingerprint.S,
    state: item.state?.S,
    ttl: Number(item.ttl.N),
    ...(item.answer?.S !== undefined ? { answer: item.answer.S } : {}),
  };
}

/**
 * IDEMPOTENCY#<partner client id> / KEY#<key>: the claim of one Idempotency-Key, its request's fingerprint and, once
 * answered, the stored answer (TTL 24 h; while the request runs, a lease of `leaseSeconds`, which outlives the
 * function's timeout: see `leaseSecondsFor`). An item past its `ttl` counts as absent even before DynamoDB's TTL
 * sweep deletes it. Uses PutItem, UpdateItem and GetItem only.
 */
export class DynamoIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly db: DocumentClient,
    private readonly table: string,
    private readonly leaseSeconds: number,
  ) {}

  private key(scope: string, key: string) {
    return { PK: `IDEMPOTENCY#${scope}`, SK: `KEY#${key}` };
  }

  async claim(scope: string, key: string, fingerprint: string, nowMs: number): Promise<ClaimOutcome> {
    const now = Math.floor(nowMs / 1000);
    let held: Record<string, unknown> | undefined;
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...this.key(scope, key),
            fingerprint,
            state: 'in_progress',
            ttl: now + this.leaseSeconds,
          },
          ConditionExpression: 'attribute_not_exists(PK) OR #ttl <= :now',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':now': now },
          // A refused claim answers the item that holds the key, so a replay or a conflict costs one round trip.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { kind: 'claimed' };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      held = heldItem(error);
    }
    if (!held) {
      // Without the item in the refusal (an endpoint that does not return it), read it.
      const { Item } = await this.db.send(
        new GetCommand({ TableName: this.table, Key: this.key(scope, key), ConsistentRead: true }),
      );
      held = Item;
    }
    // Released or expired between the put and the read: another request may claim it; this one retries later.
    if (!held || (held.ttl as number) <= now) return { kind: 'taken', fingerprint };
    return {
      kind: 'taken',
      fingerprint: held.fingerprint as string,
      ...(held.state === 'done' ? { answer: JSON.parse(held.answer as string) as StoredAnswer } : {}),
    };
  }

  async complete(scope: string, key: string, fingerprint: string, answer: StoredAnswer, nowMs: number) {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: this.key(scope, key),
        UpdateExpression: 'SET #state = :done, answer = :answer, #ttl = :ttl',
        ConditionExpression: 'fingerprint = :fingerprint',
        ExpressionAttributeNames: { '#state': 'state', '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':done': 'done',
          ':answer': JSON.stringify(answer),
          ':ttl': Math.floor(nowMs / 1000) + IDEMPOTENCY_TTL_SECONDS,
          ':fingerprint': fingerprint,
        },
      }),
    );
  }

  /** Expires the claim at once (ttl 0) rather than deleting it: the write routes hold no DeleteItem for it. */
  async release(scope: string, key: string, fingerprint: string) {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(scope, key),
          UpdateExpression: 'SET #ttl = :zero',
          ConditionExpression: 'fingerprint = :fingerprint AND #state = :running',
          ExpressionAttributeNames: { '#ttl': 'ttl', '#state': 'state' },
          ExpressionAttributeValues: { ':zero': 0, ':fingerprint': fingerprint, ':running': 'in_progress' },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}
