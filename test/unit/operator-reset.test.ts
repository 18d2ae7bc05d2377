import { describe, expect, it } from 'vitest';
import {
  type CoolingOff,
  isCoolingOff,
  refuseDuringCoolingOff,
  startCoolingOff,
} from '../../shared/cooling-off/cooling-off.ts';
import type { DeviceRecord } from '../../shared/devices/device-records.ts';
import type { DomainError } from '../../shared/errors.ts';
import type { MobileNumberRecord } from '../../shared/mobile-number/ports.ts';
import type { ResetCommit, ResetState } from '../../shared/operator/ports.ts';
import { type ResetDeps, resetSecondFactor } from '../../shared/operator/use-cases.ts';
import { FakeLanguages, FakeSms } from '../support/fakes/sms.ts';

const NOW = new Date('2026-12-01T08:00:00.000Z');
const clock = { now: () => new Date(NOW) };

const number = (verified: boolean): MobileNumberRecord => ({
  id: 'n1cmno',
  personId: 'p1',
  number: '+4915112345678',
  verified,
  createdAt: NOW.toISOString(),
  updatedAt: NOW.toISOString(),
});
const device = (id: string): DeviceRecord => ({
  id,
  personId: 'p1',
  name: id,
  status: 'active',
  createdAt: NOW.toISOString(),
  activeKeys: { unrestricted: `${id}-key` },
});

/** The reset's ports on memory: `states` are what successive loads see, `outcomes` what successive commits answer. */
function fakes(states: ResetState[], outcomes: Array<'committed' | 'changed'> = ['committed']) {
  const commits: ResetCommit[] = [];
  const sms = new FakeSms();
  let loads = 0;
  const deps: ResetDeps = {
    clock,
    config: { coolingOffSeconds: 3600 },
    languages: new FakeLanguages('it'),
    sms,
    secondFactorResets: {
      load: async () => states[Math.min(loads++, states.length - 1)]!,
      commit: async (reset: ResetCommit) => {
        commits.push(reset);
        return outcomes[commits.length - 1] ?? 'committed';
      },
    },
  };
  return { deps, commits, sms: sms.sent, fake: sms };
}

const input = { personId: 'p1', operator: 'desk-1', reason: 'Lost phone' };
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: DomainError) => `${error.status} ${error.code}: ${error.message}`,
  );

describe('second-factor reset', () => {
  it('removes the number and revokes every device in one commit, with one event each and the cooling-off window', async () => {
    const { deps, commits, sms } = fakes([
      { number: number(true), devices: [device('d1'), device('d2')], activeCount: 2 },
    ]);
    const view = await resetSecondFactor(deps, { ...input, removeMobileNumber: true, revokeDevices: true });
    expect(commits).toHaveLength(1);
    const [commit] = commits;
    expect(commit!.number?.record.id).toBe('n1cmno');
    expect(commit!.number?.event.metadata.type).toBe('PERSON_MOBILE_NUMBER_DELETED');
    expect(commit!.devices?.records.map((d) => d.id)).toEqual(['d1', 'd2']);
    expect(commit!.devices?.events.map((e) => e.metadata.type)).toEqual(['DEVICE_DELETED', 'DEVICE_DELETED']);
    expect(commit!.devices?.activeCount).toBe(2);
    expect(commit!.reset.data).toMatchObject({ operator: 'desk-1', reason: 'Lost phone' });
    expect(commit!.coolingOff.window).toEqual({
      personId: 'p1',
      cause: 'second_factor_reset',
      startedAt: '2026-12-01T08:00:00.000Z',
      until: '2026-12-01T09:00:00.000Z',
    });
    expect(view).toMatchObject({
      removed_mobile_number: '+49151******78',
      revoked_device_ids: ['d1', 'd2'],
      cooling_off_until: '2026-12-01T09:00:00.000Z',
      notified: true,
    });
    expect(sms).toEqual([
      expect.objectContaining({
        to: '+4915112345678',
        templateKey: 'sms.second_factor.reset_notification',
        language: 'it',
      }),
    ]);
  });

  it('leaves what it was not asked to reset, and tells the verified number that remains', async () => {
    const { deps, commits, sms } = fakes([{ number: number(true), devices: [device('d1')], activeCount: 1 }]);
    const view = await resetSecondFactor(deps, { ...input, removeMobileNumber: false, revokeDevices: true });
    expect(commits[0]!.number).toBeUndefined();
    expect(commits[0]!.devices?.records).toHaveLength(1);
    expect(view.notified).toBe(true);
    expect(sms).toEqual([
      expect.objectContaining({
        to: number(true).number,
        templateKey: 'sms.second_factor.reset_notification',
      }),
    ]);
  });

  it('tells an unverified number nothing: it was never shown to be the person’s', async () => {
    const { deps, sms } = fakes([{ number: number(false), devices: [], activeCount: 0 }]);
    const view = await resetSecondFactor(deps, { ...input, removeMobileNumber: true, revokeDevices: false });
    expect(view.notified).toBe(false);
    expect(sms).toEqual([]);
  });

  it('reads again when the person changed under it, and gives up with 409 after three rounds', async () => {
    const state = { number: number(true), devices: [device('d1')], activeCount: 1 };
    const second = { number: number(true), devices: [device('d1'), device('d2')], activeCount: 2 };
    const retried = fakes([state, second], ['changed', 'committed']);
    const view = await resetSecondFactor(retried.deps, {
      ...input,
      removeMobileNumber: true,
      revokeDevices: true,
    });
    expect(retried.commits).toHaveLength(2);
    expect(view.revoked_device_ids).toEqual(['d1', 'd2']);

    const stuck = fakes([state], ['changed', 'changed', 'changed']);
    expect(
      await failure(
        resetSecondFactor(stuck.deps, { ...input, removeMobileNumber: true, revokeDevices: true }),
      ),
    ).toMatch(/^409 person_changed/);
    expect(stuck.commits).toHaveLength(3);
    expect(stuck.sms).toEqual([]);
  });

  it('answers 409 nothing_to_reset, and commits nothing, when nothing named exists', async () => {
    const { deps, commits } = fakes([{ number: undefined, devices: [device('d1')], activeCount: 1 }]);
    expect(
      await failure(resetSecondFactor(deps, { ...input, removeMobileNumber: true, revokeDevices: false })),
    ).toBe('409 nothing_to_reset: The person has no mobile number.');
    expect(commits).toEqual([]);
  });

  it('keeps the reset when the notice cannot be sent', async () => {
    const { deps, commits, fake } = fakes([{ number: number(true), devices: [], activeCount: 0 }]);
    fake.failWith = new Error('quota');
    const view = await resetSecondFactor(deps, { ...input, removeMobileNumber: true, revokeDevices: false });
    expect(commits).toHaveLength(1);
    expect(view.notified).toBe(false);
  });
});

describe('cooling-off window', () => {
  const { window, event } = startCoolingOff('p1', 'mobile_number_removed', NOW, 86_400);

  it('lasts exactly its length, its end excluded', () => {
    expect(window.until).toBe('2026-12-02T08:00:00.000Z');
    expect(isCoolingOff(window, new Date('2026-12-02T07:59:59.999Z'))).toBe(true);
    expect(isCoolingOff(window, new Date('2026-12-02T08:00:00.000Z'))).toBe(false);
    expect(isCoolingOff(undefined, NOW)).toBe(false);
    expect(event).toMatchObject({
      metadata: { type: 'COOLING_OFF_STARTED', version: 1 },
      data: { person_id: 'p1', cause: 'mobile_number_removed', until: window.until },
    });
  });

  it('refuses with 403 cooling_off_period naming until when and why, and not after', async () => {
    const at = (iso: string) => ({
      clock: { now: () => new Date(iso) },
      coolingOffs: { current: async (): Promise<CoolingOff> => window, startItems: () => [] },
    });
    expect(
      await failure(refuseDuringCoolingOff(at('2026-12-01T20:00:00Z'), 'p1', 'Binding a new device')),
    ).toBe(
      "403 cooling_off_period: Binding a new device is not possible until 2026-12-02T08:00:00.000Z: the person's verified mobile number was removed at 2026-12-01T08:00:00.000Z.",
    );
    expect(
      await failure(refuseDuringCoolingOff(at('2026-12-02T08:00:00Z'), 'p1', 'Binding a new device')),
    ).toBe('resolved');
  });
});
