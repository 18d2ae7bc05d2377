import type { BudgetCharge, PendingCode } from '../codes/one-time-code.ts';
import { conflict } from '../errors.ts';
import { type DomainEvent, outboxPut } from '../events/event.ts';
import { LanguageStore } from '../language/dynamo-language-store.ts';
import type { GuessBudget } from '../quota/guess-budget.ts';
import type { PreparedSms, SmsDispatcher, SmsLimits } from '../sms/sms-dispatcher.ts';
import {
  type Condition,
  type DocumentClient,
  type Item,
  type ItemKey,
  readItem,
  readItems,
  recordReader,
  type TxPart,
  tx,
} from '../storage/dynamo.ts';
import { phoneSequenceBump } from './dynamo-phone-sequence.ts';
import type { ConfirmState, MobileNumberPort, MobileNumberRecord } from './ports.ts';

export type { MobileNumberRecord } from './ports.ts';

/** The person's number (PERSON#<pid>/MOBILE_NUMBER) and its pending OTP (PERSON#<pid>/OTP#MOBILE_NUMBER). */
export const numberKey = (personId: string): ItemKey => ({ PK: `PERSON#${personId}`, SK: 'MOBILE_NUMBER' });
export const otpKey = (personId: string): ItemKey => ({ PK: `PERSON#${personId}`, SK: 'OTP#MOBILE_NUMBER' });

/**
 * The person's last verified number after it was removed (PERSON#<pid>/REPLACED_MOBILE_NUMBER), kept for
 * `REPLACED_NUMBER_SECONDS` so that verifying a new number can tell the old one it was replaced (the guide's "Changed
 * Notification"; a change is a delete and a re-create). Past that window the old number may belong to someone else.
 */
export const replacedKey = (personId: string): ItemKey => ({
  PK: `PERSON#${personId}`,
  SK: 'REPLACED_MOBILE_NUMBER',
});
export const REPLACED_NUMBER_SECONDS = 30 * 24 * 3600;

/** The transaction item that remembers a verified number being removed now (replacing any earlier memo). */
export function replacedNumberPut(tableName: string, record: MobileNumberRecord, now: Date): TxPart {
  const expiresAtMs = now.getTime() + REPLACED_NUMBER_SECONDS * 1000;
  return {
    name: 'replaced',
    item: {
      Put: {
        TableName: tableName,
        Item: {
          ...replacedKey(record.personId),
          entity: 'replaced_mobile_number',
          mobile_number_id: record.id,
          number: record.number,
          removed_at: now.toISOString(),
          expires_at_ms: expiresAtMs,
          ttl: Math.ceil(expiresAtMs / 1000),
        },
      },
    },
  };
}

export const toRecord = recordReader<MobileNumberRecord>({
  id: true,
  personId: true,
  number: true,
  verified: true,
  createdAt: true,
  updatedAt: true,
});

/** The id of the verified number record in a number item as read, or null (none, or not verified). */
export const verifiedNumberIn = (item: Item | undefined): string | null =>
  item?.verified === true ? (item.id as string) : null;

/**
 * The transaction item that holds a code's success to the factor it went to: the person's number item must still be
 * the verified record `numberId`. Skipped where the same transaction already writes the number item (a change
 * request that deletes it, conditioned on its id), since DynamoDB allows one operation per item in a transaction.
 */
export function verifiedNumberStill(
  tableName: string,
  personId: string,
  numberId: string,
  others: readonly TxPart[] = [],
): TxPart[] {
  const key = numberKey(personId);
  const touched = others.some((part) => {
    const op =
      part.item.Put?.Item ?? part.item.Update?.Key ?? part.item.Delete?.Key ?? part.item.ConditionCheck?.Key;
    return op?.PK === key.PK && op?.SK === key.SK;
  });
  if (touched) return [];
  return [
    {
      name: 'number',
      item: {
        ConditionCheck: {
          TableName: tableName,
          Key: key,
          ConditionExpression: 'id = :numberId AND verified = :true',
          ExpressionAttributeValues: { ':numberId': numberId, ':true': true },
        },
      },
    },
  ];
}

/**
 * A pending code item at `key` (the mobile number OTP and the end-user removal code share the shape): only the
 * code's HMAC is stored; TTL an hour after expiry.
 */
export function codeItem(key: ItemKey, entity: string, code: PendingCode, now: Date): Item {
  return {
    ...key,
    entity,
    otp_id: code.id,
    mobile_number_id: code.boundTo,
    otp_hash: code.secret,
    expires_at_ms: code.expiresAtMs,
    attempts: 0,
    created_at: now.toISOString(),
    ttl: Math.ceil(code.expiresAtMs / 1000) + 3600,
  };
}

/**
 * A pending code as `codeItem` writes it (deleted once used, so it never carries `used`; bound to the number record
 * itself, so it needs no `sentTo`).
 */
export const toCode = recordReader<Omit<PendingCode, 'used' | 'sentTo'>>({
  id: 'otp_id',
  boundTo: 'mobile_number_id',
  secret: 'otp_hash',
  expiresAtMs: true,
  attempts: true,
});

/** The code at commit is still the one compared against, unexpired and not out of attempts. */
export function stillUsable(code: PendingCode, maxAttempts: number, now: Date): Condition {
  return {
    ConditionExpression: 'otp_id = :otp AND attempts < :max AND expires_at_ms > :nowMs',
    ExpressionAttributeValues: { ':otp': code.id, ':max': maxAttempts, ':nowMs': now.getTime() },
  };
}

/** The transaction item that charges one wrong answer to the code at `key`, while it is still usable. */
export function chargeAttempt(
  tableName: string,
  key: ItemKey,
  code: PendingCode,
  maxAttempts: number,
  now: Date,
) {
  const usable = stillUsable(code, maxAttempts, now);
  return {
    name: 'code',
    item: {
      Update: {
        TableName: tableName,
        Key: key,
        UpdateExpression: 'SET attempts = attempts + :one',
        ConditionExpression: usable.ConditionExpression,
        ExpressionAttributeValues: { ...usable.ExpressionAttributeValues, ':one': 1 },
      },
    },
  } satisfies TxPart;
}

/** What a code check on a person's number reads and commits (the number's OTP, the end-user removal code). */
export interface NumberCodeCheck {
  number: MobileNumberRecord;
  code: PendingCode;
  answer: 'right' | 'wrong';
  charge: BudgetCharge;
  maxAttempts: number;
  now: Date;
  /** Written with the wrong answer that uses up the code's last attempt (a burst of failed checks). */
  exhaustedEvent?: DomainEvent;
}

/** The person's number, the pending code at `key` and the person's code-check budget, in one read. */
export async function readNumberCodeCheck(
  db: DocumentClient,
  tableName: string,
  budget: GuessBudget,
  personId: string,
  key: ItemKey,
  options: { withReplaced?: boolean } = {},
): Promise<ConfirmState> {
  const [numberItem, pending, budgetItem, replacedItem] = await readItems(db, tableName, [
    numberKey(personId),
    key,
    budget.key(personId),
    ...(options.withReplaced ? [replacedKey(personId)] : []),
  ]);
  const number = numberItem ? toRecord(numberItem) : undefined;
  return {
    number,
    code: pending ? toCode(pending) : undefined,
    budget: budget.usesIn(budgetItem),
    ...(number ? { boundTo: number.id } : {}),
    ...(replacedItem
      ? {
          replaced: {
            number: replacedItem.number as string,
            removedAt: replacedItem.removed_at as string,
            expiresAtMs: replacedItem.expires_at_ms as number,
          },
        }
      : {}),
  };
}

/**
 * Commits a compared code with its budget unit in one transaction: a wrong answer charges one attempt to the code at
 * `key`; the right one uses the code (while it is still the one compared, usable) with the `success` writes.
 */
export async function commitNumberCodeCheck(
  db: DocumentClient,
  tableName: string,
  budget: GuessBudget,
  key: ItemKey,
  check: NumberCodeCheck,
  success: (commit: ReturnType<typeof tx>) => void,
): Promise<'committed' | 'code_changed' | 'number_changed' | 'budget_taken'> {
  const commit = tx(db, tableName).add(budget.charge(check.number.personId, check.charge));
  if (check.answer === 'right') {
    commit.delete('code', key, stillUsable(check.code, check.maxAttempts, check.now));
    success(commit);
  } else {
    commit.add(chargeAttempt(tableName, key, check.code, check.maxAttempts, check.now));
    if (check.exhaustedEvent && check.code.attempts + 1 >= check.maxAttempts) {
      commit.add({ ...outboxPut(tableName, check.exhaustedEvent, check.now), name: 'exhausted_event' });
    }
  }
  const failed = await commit.commit({ cancelledAs: 'budget' });
  if (failed.has('code')) return 'code_changed';
  if (failed.has('number')) return 'number_changed';
  if (failed.has('budget')) return 'budget_taken';
  return 'committed';
}

interface Related {
  budget: GuessBudget;
  sms: SmsDispatcher;
  languages: LanguageStore;
}

/**
 * The mobile number's DynamoDB adapter: the number, its pending OTP, and the reads and transactions of issuing and
 * confirming it (with the person's language, SMS limits and code-check budget, which other adapters key).
 */
export class MobileNumberStore implements MobileNumberPort {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
    /**
     * The adapters the issue and check transactions key besides the number: a function that only reads or creates
     * numbers is composed without them (and without the configuration they need).
     */
    private readonly relatedPorts: Partial<Related> = {},
  ) {}

  private related<K extends keyof Related>(name: K): Related[K] {
    const port = this.relatedPorts[name];
    if (!port) throw new Error(`this mobile number store is not composed with ${name}`);
    return port;
  }

  async get(personId: string): Promise<MobileNumberRecord | undefined> {
    const item = await readItem(this.db, this.tableName, numberKey(personId));
    return item ? toRecord(item) : undefined;
  }

  /** Creates the person's number and its event together; a person already having a number is a 409. */
  async create(
    record: MobileNumberRecord,
    deviceData: string | undefined,
    event: DomainEvent,
  ): Promise<void> {
    const at = new Date(record.createdAt);
    const failed = await tx(this.db, this.tableName)
      .put(
        'number',
        {
          ...numberKey(record.personId),
          entity: 'mobile_number',
          id: record.id,
          person_id: record.personId,
          number: record.number,
          verified: record.verified,
          created_at: record.createdAt,
          updated_at: record.updatedAt,
          device_data: deviceData,
        },
        { ConditionExpression: 'attribute_not_exists(PK)' },
      )
      .add(outboxPut(this.tableName, event, at), phoneSequenceBump(this.tableName, record.personId, at))
      .commit();
    if (failed.has('number')) {
      throw conflict(
        'mobile_number_exists',
        'Mobile Number Exists',
        'The person already has a mobile number.',
      );
    }
  }

  /**
   * The transaction items that delete the number (only if it is still this record, in the expected verification
   * state), its pending OTP, and write the deletion event; a verified number is also remembered as replaceable. The
   * change-request flow runs them together with its own state change.
   */
  deletionItems(record: MobileNumberRecord, event: DomainEvent, now: Date): TxPart[] {
    const table = this.tableName;
    return [
      ...(record.verified ? [replacedNumberPut(table, record, now)] : []),
      {
        name: 'number',
        item: {
          Delete: {
            TableName: table,
            Key: numberKey(record.personId),
            ConditionExpression: 'id = :id AND verified = :verified',
            ExpressionAttributeValues: { ':id': record.id, ':verified': record.verified },
          },
        },
      },
      { name: 'otp', item: { Delete: { TableName: table, Key: otpKey(record.personId) } } },
      outboxPut(table, event, now),
      phoneSequenceBump(table, record.personId, now),
    ];
  }

  async deleteUnverified(
    record: MobileNumberRecord,
    event: DomainEvent,
    now: Date,
  ): Promise<'deleted' | 'number_changed'> {
    if (record.verified) return 'number_changed';
    const failed = await tx(this.db, this.tableName)
      .add(...this.deletionItems(record, event, now))
      .commit();
    return failed.has('number') ? 'number_changed' : 'deleted';
  }

  async load(personId: string, number: string | undefined) {
    const sms = this.related('sms');
    const languages = this.related('languages');
    const [numberItem, languageItem, ...limits] = await readItems(this.db, this.tableName, [
      numberKey(personId),
      languages.key(personId),
      ...(number ? sms.limitKeys(number, personId) : []),
    ]);
    return {
      number: numberItem ? toRecord(numberItem) : undefined,
      language: LanguageStore.languageIn(languageItem),
      limits: number ? sms.limitsIn(limits) : undefined,
    };
  }

  async limits(number: string, personId: string): Promise<SmsLimits> {
    const sms = this.related('sms');
    return sms.limitsIn(await readItems(this.db, this.tableName, sms.limitKeys(number, personId)));
  }

  async save(issue: {
    number: MobileNumberRecord;
    code: PendingCode;
    sms: PreparedSms;
    deviceData: string | undefined;
    now: Date;
  }): Promise<'saved' | 'number_changed' | 'limit_taken'> {
    const { number, now } = issue;
    const failed = await tx(this.db, this.tableName)
      .check('number', numberKey(number.personId), {
        ConditionExpression: 'id = :id',
        ExpressionAttributeValues: { ':id': number.id },
      })
      .put('code', {
        ...codeItem(otpKey(number.personId), 'mobile_number_otp', issue.code, now),
        device_data: issue.deviceData,
      })
      .add(phoneSequenceBump(this.tableName, number.personId, now), ...this.related('sms').claims(issue.sms))
      .commit();
    if (failed.has('number')) return 'number_changed';
    if (failed.size > 0) return 'limit_taken';
    return 'saved';
  }

  loadConfirmation(personId: string): Promise<ConfirmState> {
    return readNumberCodeCheck(this.db, this.tableName, this.related('budget'), personId, otpKey(personId), {
      withReplaced: true,
    });
  }

  /**
   * Commits the outcome of one OTP check, compared before: a wrong code charges one attempt, the right code uses the
   * OTP and marks the number verified with PERSON_MOBILE_NUMBER_VERIFIED. Either way the budget unit commits in the
   * same transaction, and the OTP must still be the one compared against, unexpired and not out of attempts.
   */
  commit(
    check: NumberCodeCheck & { deviceData: string | undefined; verifiedEvent: DomainEvent; also?: TxPart[] },
  ) {
    const { number, now } = check;
    const key = otpKey(number.personId);
    return commitNumberCodeCheck(this.db, this.tableName, this.related('budget'), key, check, (commit) =>
      commit
        .update('number', {
          Key: numberKey(number.personId),
          UpdateExpression: 'SET verified = :true, updated_at = :now, verified_device_data = :dd',
          ConditionExpression: 'id = :id',
          ExpressionAttributeValues: {
            ':true': true,
            ':now': now.toISOString(),
            ':id': number.id,
            ':dd': check.deviceData ?? null,
          },
        })
        // The memo of a replaced number is used up by the verification that replaces it.
        .delete('replaced', replacedKey(number.personId))
        .add(
          phoneSequenceBump(this.tableName, number.personId, now),
          outboxPut(this.tableName, check.verifiedEvent, now),
          ...(check.also ?? []),
        ),
    );
  }
}
