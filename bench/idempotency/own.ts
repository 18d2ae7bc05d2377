/** The base plus this service's Idempotency-Key layer (shared/idempotency/), keyed by partner client and header. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DynamoIdempotencyStore } from '../../shared/idempotency/dynamo-idempotency-store.ts';
import { idempotent, leaseSecondsFor } from '../../shared/idempotency/idempotency.ts';
import { db, operation, tableName } from './base.ts';

const store = new DynamoIdempotencyStore(db, tableName, leaseSecondsFor(10));

export const handler = (event: APIGatewayProxyEventV2) =>
  idempotent(store, Date.now, 'bench-client', event.headers['idempotency-key']!, event, operation);
