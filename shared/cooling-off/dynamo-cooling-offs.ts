import { type DomainEvent, outboxPut } from '../events/event.ts';
import type { CoolingOffCause } from '../events/security-events.ts';
import {
  type DocumentClient,
  epochSeconds,
  type Item,
  type ItemKey,
  readItem,
  type TxPart,
} from '../storage/dynamo.ts';
import type { CoolingOff, CoolingOffs } from './cooling-off.ts';

/** The person's cooling-off window: PERSON#<pid>/COOLING_OFF (TTL a week after it ends, as housekeeping only). */
const windowKey = (personId: string): ItemKey => ({ PK: `PERSON#${personId}`, SK: 'COOLING_OFF' });

/**
 * The transaction item that holds a write to "no cooling-off window lasts now" (none, or it ended): a step the window
 * refuses can commit without reading the window first, and reads it only to word a refusal.
 */
export function noCoolingOffAt(tableName: string, personId: string, now: Date): TxPart {
  return {
    name: 'cooling_off',
    item: {
      ConditionCheck: {
        TableName: tableName,
        Key: windowKey(personId),
        // ISO 8601 timestamps of one format compare as strings in time order.
        ConditionExpression: 'attribute_not_exists(PK) OR #until <= :now',
        ExpressionAttributeNames: { '#until': 'until' },
        ExpressionAttributeValues: { ':now': now.toISOString() },
      },
    },
  };
}

export class DynamoCoolingOffs implements CoolingOffs {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
  ) {}

  async current(personId: string): Promise<CoolingOff | undefined> {
    return this.windowIn(personId, await readItem(this.db, this.tableName, windowKey(personId)));
  }

  /** The window's item, for stores that read it together with a check's other items. */
  key(personId: string): ItemKey {
    return windowKey(personId);
  }

  windowIn(personId: string, item: Item | undefined): CoolingOff | undefined {
    if (!item) return undefined;
    return {
      personId,
      cause: item.cause as CoolingOffCause,
      startedAt: item.started_at as string,
      until: item.until as string,
    };
  }

  /**
   * A new window replaces the last one: with one configured length, the later start always ends later. The event is
   * named apart from the other events of the same transaction.
   */
  startItems(window: CoolingOff, event: DomainEvent, now: Date): TxPart[] {
    return [
      {
        name: 'cooling_off',
        item: {
          Put: {
            TableName: this.tableName,
            Item: {
              ...windowKey(window.personId),
              entity: 'cooling_off',
              person_id: window.personId,
              cause: window.cause,
              started_at: window.startedAt,
              until: window.until,
              ttl: epochSeconds(new Date(window.until)) + 7 * 24 * 3600,
            },
          },
        },
      },
      { ...outboxPut(this.tableName, event, now), name: 'cooling_off_event' },
    ];
  }
}
