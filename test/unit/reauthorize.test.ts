import { describe, expect, it } from 'vitest';
import type { DomainError } from '../../shared/errors.ts';
import type { MobileNumberRecord } from '../../shared/mobile-number/ports.ts';
import { type IssueDeps, reauthorizeMobileNumber } from '../../shared/mobile-number/use-cases.ts';

const RECORD: MobileNumberRecord = {
  id: 'n1cmno',
  personId: 'p1',
  number: '+4915123456789',
  verified: false,
  createdAt: '2026-11-22T10:00:00.000Z',
  updatedAt: '2026-11-22T10:00:00.000Z',
};

/** The ports reauthorize uses, recording what is stored and sent. */
function world(verified: boolean) {
  const saved: string[] = [];
  const sent: Array<{ templateKey: string; text: string }> = [];
  const deps = {
    clock: { now: () => new Date('2026-11-22T10:00:00Z') },
    config: { otpTtlSeconds: 300, sandboxEnabled: false },
    pepper: async () => Buffer.alloc(32, 7),
    mobileNumbers: {
      load: async () => ({ number: { ...RECORD, verified }, language: 'en', limits: {} }),
      limits: async () => ({}),
      save: async (issue: { code: { id: string } }) => {
        saved.push(issue.code.id);
        return 'saved';
      },
    },
    sms: {
      prepare: (request: { templateKey: string; variables: Record<string, string> }) => ({
        message: { templateKey: request.templateKey, text: request.variables.tan },
        writes: [],
      }),
      admit: async () => {},
      send: async (prepared: { message: { templateKey: string; text: string } }) => {
        sent.push(prepared.message);
      },
    },
  } as unknown as IssueDeps;
  return { deps, saved, sent };
}

describe('reauthorize on an unverified number', () => {
  it('refuses a 2FA text with 422 mobile_number_not_verified, storing and sending nothing', async () => {
    const { deps, saved, sent } = world(false);
    const error = (await reauthorizeMobileNumber(deps, {
      personId: 'p1',
      textKey: 'sms.two_factor.authenticate',
    }).catch((e: unknown) => e)) as DomainError;
    expect(error).toMatchObject({ status: 422, code: 'mobile_number_not_verified' });
    expect(saved).toEqual([]);
    expect(sent).toEqual([]);
  });

  it('sends the verification text as a new verification code', async () => {
    const { deps, saved, sent } = world(false);
    const view = await reauthorizeMobileNumber(deps, {
      personId: 'p1',
      textKey: 'sms.mobile_number.verify_number',
    });
    expect(view).toEqual({ id: 'n1cmno', number: '+4915123456789', verified: false });
    expect(saved).toHaveLength(1);
    expect(sent).toEqual([
      { templateKey: 'sms.mobile_number.verify_number', text: expect.stringMatching(/^\d{6}$/) },
    ]);
  });

  it('sends a 2FA text once the number is verified', async () => {
    const { deps, sent } = world(true);
    await reauthorizeMobileNumber(deps, { personId: 'p1', textKey: 'sms.two_factor.authenticate' });
    expect(sent.map((m) => m.templateKey)).toEqual(['sms.two_factor.authenticate']);
  });
});
