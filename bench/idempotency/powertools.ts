/**
 * The base plus Powertools Idempotency 2.35.0 with its DynamoDB persistence layer, set up to keep the same rules
 * as the service's layer: the key is the partner client with the Idempotency-Key header, a different method, path or
 * body with the same key is refused (payload validation), answers are kept 24 h, and it shares the service's table
 * and client (PK/SK, `ttl`).
 */
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { db, operation, tableName } from './base.ts';

const persistenceStore = new DynamoDBPersistenceLayer({
  tableName,
  keyAttr: 'PK',
  sortKeyAttr: 'SK',
  staticPkValue: 'IDEMPOTENCY#powertools',
  expiryAttr: 'ttl',
  awsSdkV3Client: db,
});
const config = new IdempotencyConfig({
  eventKeyJmesPath: '[requestContext.authorizer.jwt.claims.client_id, headers."idempotency-key"]',
  payloadValidationJmesPath: '[requestContext.http.method, rawPath, body]',
  expiresAfterSeconds: 24 * 3600,
});

export const handler = makeIdempotent(
  async (_event: APIGatewayProxyEventV2, _context: Context) => operation(),
  {
    persistenceStore,
    config,
  },
);
