import { describe, expect, it } from 'vitest';
import * as compose from '../../shared/compose.ts';
import { startCoolingOff } from '../../shared/cooling-off/cooling-off.ts';
import { buildEvent } from '../../shared/events/event.ts';
import { MobileNumberCreated, MobileNumberDeleted } from '../../shared/events/mobile-number-events.ts';
import { SecondFactorReset } from '../../shared/events/security-events.ts';
import { tx } from '../../shared/storage/dynamo.ts';
import { testRuntime, uniquePerson } from '../support/harness.ts';

const NOW = new Date('2026-12-01T08:00:00.000Z');

/** A person with an unverified number and `devices` counted active, on a fresh table. */
async function arrange(activeDevices: number) {
  const { adapters, runtime } = await testRuntime();
  const personId = uniquePerson();
  const record = {
    id: 'a1cmno',
    personId,
    number: '+4915112345678',
    verified: false,
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
  };
  const numbers = compose.createMobileNumber(adapters).mobileNumbers;
  await numbers.create(
    record,
    undefined,
    buildEvent(MobileNumberCreated, { ...record, person_id: personId }, NOW),
  );
  const devices = compose.devices(adapters).devices;
  for (let i = 0; i < activeDevices; i++) {
    await tx(runtime.db, runtime.config.tableName).add(devices.counter.increment(personId, 5)).commit();
  }
  const resets = compose.resetSecondFactor(adapters).secondFactorResets;
  const commitFor = (state: Awaited<ReturnType<typeof resets.load>>) =>
    resets.commit({
      personId,
      number: {
        record: state.number!,
        event: buildEvent(
          MobileNumberDeleted,
          { id: record.id, person_id: personId, number: record.number },
          NOW,
        ),
      },
      devices: { records: state.devices, events: [], activeCount: state.activeCount },
      reset: buildEvent(
        SecondFactorReset,
        {
          id: 'r1sfr',
          person_id: personId,
          operator: 'desk',
          reason: 'test',
          removed_mobile_number: null,
          revoked_device_ids: [],
          cooling_off_until: NOW.toISOString(),
        },
        NOW,
      ),
      coolingOff: startCoolingOff(personId, 'second_factor_reset', NOW, 60),
      now: NOW,
    });
  return {
    personId,
    numbers,
    devices,
    resets,
    commitFor,
    runtime,
    coolingOffs: compose.securityTimeline(adapters).coolingOffs,
  };
}

describe('DynamoSecondFactorResets on DynamoDB Local', () => {
  it('commits the removal, the count and the window together', async () => {
    const { personId, numbers, devices, resets, commitFor, coolingOffs } = await arrange(0);
    const state = await resets.load(personId);
    expect(state).toMatchObject({ devices: [], activeCount: 0 });
    expect(await commitFor(state)).toBe('committed');
    expect(await numbers.get(personId)).toBeUndefined();
    expect(await devices.counter.activeCount(personId)).toBe(0);
    expect(await coolingOffs.current(personId)).toMatchObject({ cause: 'second_factor_reset' });
  });

  it('changes nothing when a device became active after the read', async () => {
    const { personId, numbers, devices, resets, commitFor, coolingOffs, runtime } = await arrange(0);
    const state = await resets.load(personId);
    // A binding completes between the reset's read and its commit.
    await tx(runtime.db, runtime.config.tableName).add(devices.counter.increment(personId, 5)).commit();
    expect(await commitFor(state)).toBe('changed');
    expect(await numbers.get(personId)).toMatchObject({ id: 'a1cmno' });
    expect(await devices.counter.activeCount(personId)).toBe(1);
    expect(await coolingOffs.current(personId)).toBeUndefined();
  });

  it('requires the count it read, not merely some count', async () => {
    const { personId, resets, commitFor, numbers } = await arrange(2);
    const state = await resets.load(personId);
    expect(state.activeCount).toBe(2);
    expect(await commitFor({ ...state, activeCount: 1 })).toBe('changed');
    expect(await numbers.get(personId)).toBeDefined();
  });
});
