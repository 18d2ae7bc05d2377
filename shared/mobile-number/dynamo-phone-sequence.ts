import { DynamoAdapter, recordReader, type TxPart } from '../storage/dynamo.ts';
import type { PhoneSequence, PhoneSequences } from './ports.ts';

/**
 * A per-person counter of phone events (number created, code sent, verified, removed), whichever API caused them.
 * The end-user API reports it as Zitadel's `details.sequence`. It is bumped inside the same transaction as the change
 * it counts, so it never moves without the change nor the change without it, and it survives the number's removal,
 * so it only ever grows.
 */
export type { PhoneSequence } from './ports.ts';

const sequenceKey = (personId: string) => ({ PK: `PERSON#${personId}`, SK: 'PHONE_SEQUENCE' });

/** The TransactWriteItems entry that counts one phone event of the person. */
export function phoneSequenceBump(tableName: string, personId: string, now: Date): TxPart {
  return {
    name: 'sequence',
    item: {
      Update: {
        TableName: tableName,
        Key: sequenceKey(personId),
        UpdateExpression:
          'SET #seq = if_not_exists(#seq, :zero) + :one, created_at = if_not_exists(created_at, :now), changed_at = :now, entity = :entity',
        ExpressionAttributeNames: { '#seq': 'sequence' },
        ExpressionAttributeValues: {
          ':zero': 0,
          ':one': 1,
          ':now': now.toISOString(),
          ':entity': 'phone_sequence',
        },
      },
    },
  };
}

const toSequence = recordReader<PhoneSequence>({ sequence: true, createdAt: true, changedAt: true });

export class PhoneSequenceStore extends DynamoAdapter implements PhoneSequences {
  get(personId: string): Promise<PhoneSequence | undefined> {
    return this.readRecord(sequenceKey(personId), toSequence);
  }
}
