import { randomInt } from 'node:crypto';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type DomainEvent, outboxPut } from '../events/event.ts';
import { conditionally, DynamoAdapter, type Item, type ItemKey, readItems, tx } from '../storage/dynamo.ts';
import {
  DAY_MS,
  emptyHour,
  emptyProfile,
  HOUR_MS,
  type HourCounts,
  hourOf,
  type PrefixBlock,
  type PrefixProfile,
  SHARDS,
  SLOTS_PER_HOUR,
  slotOf,
} from './model.ts';
import type { FraudGuardStore, PrefixState } from './ports.ts';

/**
 * The guard's items:
 * - `FG#PX#<prefix>#H<hour>#<shard>`: one hour of a prefix's counts, `s<slot>` sent and `c<slot>` confirmed per
 *   5-minute slot. Each write goes to a random one of SHARDS items, so a prefix taking all traffic spreads its writes.
 * - `FG#PX#<prefix>` / `PROFILE`: its learned baseline and its block (read with the counts, written once an hour and
 *   on a block or lift).
 * - `FG#BLOCKS` / `<prefix>`: the list the operator API reads; written only when a prefix is blocked or lifted.
 * - `FG#CAP#<name>#<shard>`: a capped counter's shard; the shards share the cap, so together they never pass it.
 * TTL removes counters a day after their window; the code never trusts an expired item, it checks times itself.
 */
const profileKey = (prefix: string): ItemKey => ({ PK: `FG#PX#${prefix}`, SK: 'PROFILE' });
const hourKey = (prefix: string, hour: number, shard: number): ItemKey => ({
  PK: `FG#PX#${prefix}#H${hour}#${shard}`,
  SK: 'COUNTS',
});
const BLOCKS = 'FG#BLOCKS';
const blockKey = (prefix: string): ItemKey => ({ PK: BLOCKS, SK: prefix });
const capKey = (name: string, shard: number): ItemKey => ({ PK: `FG#CAP#${name}#${shard}`, SK: 'CAP' });

const ttlAfter = (ms: number) => Math.floor((ms + DAY_MS) / 1000);

function sumHour(items: Array<Item | undefined>): { counts: HourCounts; seen: boolean } {
  const counts = emptyHour();
  let seen = false;
  for (const item of items) {
    if (!item) continue;
    seen = true;
    for (let i = 0; i < SLOTS_PER_HOUR; i++) {
      counts.sent[i]! += Number(item[`s${i}`] ?? 0);
      counts.confirmed[i]! += Number(item[`c${i}`] ?? 0);
    }
  }
  return { counts, seen };
}

function toProfile(item: Item | undefined): PrefixProfile {
  if (!item) return emptyProfile();
  return {
    baseline: Number(item.baseline ?? 0),
    learnedHour: Number(item.learned_hour ?? 0),
    blockedUntilMs: Number(item.blocked_until ?? 0),
    blockId: item.block_id as string | undefined,
    liftOffset: Number(item.lift_offset ?? 0),
    liftedUntilMs: Number(item.lifted_until ?? 0),
  };
}

const toBlock = (item: Item): PrefixBlock => ({
  id: item.block_id as string,
  prefix: item.SK as string,
  country: item.country as string,
  level: item.level as PrefixBlock['level'],
  blockedAt: item.blocked_at as string,
  expiresAt: item.expires_at as string,
});

/** The share of a cap that one shard holds: the remainder goes to the first shards, so the shares add up to the cap. */
const shareOf = (cap: number, shard: number) => Math.floor(cap / SHARDS) + (shard < cap % SHARDS ? 1 : 0);

export class DynamoFraudGuardStore extends DynamoAdapter implements FraudGuardStore {
  async readPrefix(prefix: string, nowMs: number): Promise<PrefixState> {
    const hour = hourOf(nowMs);
    const shards = [...Array(SHARDS).keys()];
    const items = await readItems(this.db, this.tableName, [
      profileKey(prefix),
      ...shards.map((shard) => hourKey(prefix, hour, shard)),
      ...shards.map((shard) => hourKey(prefix, hour - 1, shard)),
    ]);
    const previous = sumHour(items.slice(1 + SHARDS));
    return {
      profile: toProfile(items[0]),
      current: sumHour(items.slice(1, 1 + SHARDS)).counts,
      previous: previous.counts,
      previousSeen: previous.seen,
    };
  }

  async count(prefix: string, what: 'sent' | 'confirmed', nowMs: number): Promise<void> {
    const slot = slotOf(nowMs) % SLOTS_PER_HOUR;
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: hourKey(prefix, hourOf(nowMs), randomInt(SHARDS)),
        UpdateExpression: 'ADD #n :one SET #ttl = :ttl',
        ExpressionAttributeNames: { '#n': `${what === 'sent' ? 's' : 'c'}${slot}`, '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':one': 1, ':ttl': ttlAfter((hourOf(nowMs) + 1) * HOUR_MS) },
      }),
    );
  }

  async saveLesson(prefix: string, profile: PrefixProfile): Promise<void> {
    await conditionally(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: profileKey(prefix),
          UpdateExpression: 'SET baseline = :b, learned_hour = :h',
          ConditionExpression: 'attribute_not_exists(learned_hour) OR learned_hour < :h',
          ExpressionAttributeValues: { ':b': profile.baseline, ':h': profile.learnedHour },
        }),
      ),
    );
  }

  async block(block: PrefixBlock, untilMs: number, event: DomainEvent, nowMs: number): Promise<boolean> {
    const failed = await tx(this.db, this.tableName)
      .update('profile', {
        Key: profileKey(block.prefix),
        UpdateExpression: 'SET blocked_until = :until, block_id = :id',
        ConditionExpression: 'attribute_not_exists(blocked_until) OR blocked_until <= :now',
        ExpressionAttributeValues: { ':until': untilMs, ':id': block.id, ':now': nowMs },
      })
      .put('list', {
        ...blockKey(block.prefix),
        entity: 'sms_prefix_block',
        block_id: block.id,
        country: block.country,
        level: block.level,
        blocked_at: block.blockedAt,
        expires_at: block.expiresAt,
        until: untilMs,
        ttl: ttlAfter(untilMs),
      })
      .add(outboxPut(this.tableName, event, new Date(nowMs)))
      .commit();
    return failed.size === 0;
  }

  async listBlocks(nowMs: number): Promise<PrefixBlock[]> {
    const blocks: PrefixBlock[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': BLOCKS },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) if (Number(item.until) > nowMs) blocks.push(toBlock(item));
      start = page.LastEvaluatedKey;
    } while (start);
    return blocks;
  }

  async lift(
    prefix: string,
    offset: number,
    liftedUntilMs: number,
    event: DomainEvent,
    nowMs: number,
  ): Promise<boolean> {
    const failed = await tx(this.db, this.tableName)
      .update('profile', {
        Key: profileKey(prefix),
        UpdateExpression: 'SET blocked_until = :zero, lift_offset = :offset, lifted_until = :lifted',
        ConditionExpression: 'blocked_until > :now',
        ExpressionAttributeValues: { ':zero': 0, ':offset': offset, ':lifted': liftedUntilMs, ':now': nowMs },
      })
      .delete('list', blockKey(prefix))
      .add(outboxPut(this.tableName, event, new Date(nowMs)))
      .commit();
    return failed.size === 0;
  }

  async take(name: string, cap: number, expiresAtMs: number): Promise<number | undefined> {
    const start = randomInt(SHARDS);
    for (let step = 0; step < SHARDS; step++) {
      const shard = (start + step) % SHARDS;
      const share = shareOf(cap, shard);
      if (share === 0) continue;
      const taken = await conditionally(() =>
        this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: capKey(name, shard),
            UpdateExpression: 'ADD n :one SET #ttl = :ttl',
            ConditionExpression: 'attribute_not_exists(n) OR n < :share',
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':one': 1, ':share': share, ':ttl': ttlAfter(expiresAtMs) },
          }),
        ),
      );
      if (taken) return shard;
    }
    return undefined;
  }

  async giveBack(name: string, shard: number): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: capKey(name, shard),
        UpdateExpression: 'ADD n :minus',
        ExpressionAttributeValues: { ':minus': -1 },
      }),
    );
  }
}
