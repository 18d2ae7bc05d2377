import { describe, expect, it } from 'vitest';
import { issueCode } from '../../shared/codes/one-time-code.ts';
import type { ReplacedNumber } from '../../shared/mobile-number/ports.ts';
import { type ConfirmDeps, confirmMobileNumber } from '../../shared/mobile-number/use-cases.ts';

const pepper = Buffer.alloc(32, 3);
const T0 = new Date('2026-11-22T10:00:00Z');
const NEW = '+4915123456789';
const OLD = '+4915199999999';

/** Confirm's ports in memory: one pending OTP for the new number, and the memo of the number it may replace. */
function world(replaced: ReplacedNumber | undefined, options: { dispatchFails?: boolean } = {}) {
  const record = { id: 'n2', personId: 'p1', number: NEW, verified: false, createdAt: '', updatedAt: '' };
  const otp = issueCode(
    'mobile_number',
    { to: NEW, boundTo: 'n2', now: T0, pepper },
    { ttlSeconds: 300, sandboxEnabled: false },
  );
  const sent: Array<{
    to: string;
    templateKey: string;
    language: string;
    variables: Record<string, string>;
  }> = [];
  const deps = {
    clock: { now: () => T0 },
    config: { otpMaxAttempts: 5, codeChecksPerDay: 30, coolingOffSeconds: 86_400 },
    pepper: async () => pepper,
    coolingOffs: { current: async () => undefined, startItems: () => [] },
    languages: { languageFor: async () => 'it' },
    sms: {
      dispatch: async (request: (typeof sent)[number]) => {
        if (options.dispatchFails) throw new Error('quota');
        sent.push(request);
      },
      confirmed: async () => {},
    },
    mobileNumbers: {
      loadConfirmation: async () => ({
        number: record,
        code: otp.pending,
        budget: [],
        boundTo: 'n2',
        ...(replaced ? { replaced } : {}),
      }),
      commit: async () => 'committed',
    },
  } as unknown as ConfirmDeps;
  const confirm = (token: string) => confirmMobileNumber(deps, { personId: 'p1', number: NEW, token });
  return { confirm, sent, code: otp.code };
}

const memo = (number: string, expiresAtMs = T0.getTime() + 1000): ReplacedNumber => ({
  number,
  removedAt: '2026-11-21T10:00:00.000Z',
  expiresAtMs,
});

describe('Changed Notification on confirm', () => {
  it('tells the replaced number, in the person language, once the new one is verified', async () => {
    const { confirm, sent, code } = world(memo(OLD));
    expect((await confirm(code)).verified).toBe(true);
    expect(sent).toEqual([
      {
        to: OLD,
        personId: 'p1',
        templateKey: 'sms.mobile_number.changed_notification',
        language: 'it',
        variables: { old_number: OLD, new_number: NEW },
      },
    ]);
  });

  it('sends nothing without a memo, for the same number, or once the memo expired', async () => {
    for (const replaced of [undefined, memo(NEW), memo(OLD, T0.getTime())]) {
      const { confirm, sent, code } = world(replaced);
      await confirm(code);
      expect(sent).toEqual([]);
    }
  });

  it('sends nothing for a wrong code, and a failed notice leaves the verification standing', async () => {
    const wrong = world(memo(OLD));
    await expect(wrong.confirm(wrong.code === '000000' ? '000001' : '000000')).rejects.toMatchObject({
      status: 403,
    });
    expect(wrong.sent).toEqual([]);
    const failing = world(memo(OLD), { dispatchFails: true });
    expect((await failing.confirm(failing.code)).verified).toBe(true);
  });
});
