/**
 * The single DynamoDB table, described once. The CDK stack and the local runtime both build the table from this, so
 * a key or index cannot exist in one and be missing in the other.
 *
 * Items (PK / SK):
 * - PERSON#<pid> / MOBILE_NUMBER          the person's mobile number
 * - PERSON#<pid> / OTP#MOBILE_NUMBER      the pending OTP for it (HMAC only; TTL)
 * - PERSON#<pid> / LANGUAGE_SETTINGS      the person's SMS language
 * - SMS_QUOTA#<e164> / SMS_QUOTA          timestamps of SMS sent in the last hour (TTL)
 * - OUTBOX#<event id> / EVENT             an event written in the same transaction as its change (TTL a week; 400 days
 *                                         for an event about a person, which is on the person's security timeline:
 *                                         GSI1PK PERSON#<pid>#TIMELINE, GSI1SK <time>#<event id>)
 * - PERSON#<pid> / COOLING_OFF            the person's SIM-swap cooling-off window (TTL a week after it ends)
 * - PERSON#<pid> / DEVICES                the person's count of bound (active) devices, at most 5
 * - DEVICE#<id> / DEVICE                  a device: pending (TTL) until its binding signature, then active or deleted;
 *                                         GSI1PK PERSON#<pid>#DEVICES, GSI1SK ACTIVE#|DELETED#<created>#<id> once bound
 * - DEVICE#<id> / KEY#<key id>            a device's public key (pending binding keys carry a TTL)
 * - CHALLENGE#<id> / CHALLENGE            a binding (signature) or device-signing challenge (TTL a day after expiry);
 *                                         binding challenges hold the OTP sealed under a key derived from the pepper
 * - PASSKEY_REGISTRATION#<id> / REGISTRATION  a passkey enrolment: the OTP's HMAC, then its WebAuthn challenge (TTL)
 * - PASSKEY#<credential id> / CREDENTIAL   a bound passkey's COSE key and sign counter (one per credential id)
 * GSI1 (GSI1PK / GSI1SK) serves lookups by a second key: a person's devices, a person's timeline.
 */
export const TABLE = {
  partitionKey: 'PK',
  sortKey: 'SK',
  ttlAttribute: 'ttl',
  gsi1: { name: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' },
  /** Streams carry outbox records to the event relay. */
  streamView: 'NEW_IMAGE',
} as const;

/** CreateTable input for DynamoDB Local (the stack builds the same table through CDK). */
export function createTableInput(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [
      { AttributeName: TABLE.partitionKey, AttributeType: 'S' as const },
      { AttributeName: TABLE.sortKey, AttributeType: 'S' as const },
      { AttributeName: TABLE.gsi1.partitionKey, AttributeType: 'S' as const },
      { AttributeName: TABLE.gsi1.sortKey, AttributeType: 'S' as const },
    ],
    KeySchema: [
      { AttributeName: TABLE.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: TABLE.sortKey, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: TABLE.gsi1.name,
        KeySchema: [
          { AttributeName: TABLE.gsi1.partitionKey, KeyType: 'HASH' as const },
          { AttributeName: TABLE.gsi1.sortKey, KeyType: 'RANGE' as const },
        ],
        Projection: { ProjectionType: 'ALL' as const },
      },
    ],
    StreamSpecification: { StreamEnabled: true, StreamViewType: TABLE.streamView },
  };
}
