import { describe, expect, it } from 'vitest';
import {
  type ChangeRequestRecord,
  type ChangeRequestStatus,
  tanOf,
} from '../../shared/change-requests/dynamo-change-request-store.ts';
import {
  type ConfirmDeps,
  confirmChangeRequest,
  getChangeRequest,
} from '../../shared/change-requests/use-cases.ts';
import type { BudgetCharge } from '../../shared/codes/one-time-code.ts';
import { issueCode } from '../../shared/codes/one-time-code.ts';
import type { DomainError } from '../../shared/errors.ts';

const pepper = Buffer.from('unit-pepper-unit-pepper-unit-pepper-0123');
const T0 = new Date('2026-11-22T10:00:00Z');
const PERSON = 'p1';
const NUMBER = {
  id: 'n1',
  personId: PERSON,
  number: '+4915123456789',
  verified: true,
  createdAt: '',
  updatedAt: '',
};

/** In-memory ports with the DynamoDB adapters' semantics: each commit is atomic and conditional. */
function world(options: { status?: ChangeRequestStatus } = {}) {
  let now = T0;
  const tan = issueCode(
    'change_request',
    { to: NUMBER.number, boundTo: 'cr1', now: T0, pepper, sentTo: NUMBER.id },
    { ttlSeconds: 300, sandboxEnabled: false },
  );
  const request: ChangeRequestRecord = {
    id: 'cr1',
    personId: PERSON,
    action: 'mobile_number.delete',
    params: { mobile_number_id: 'n1', number: NUMBER.number },
    status: options.status ?? 'CONFIRMATION_REQUIRED',
    createdAt: T0.toISOString(),
    updatedAt: T0.toISOString(),
    expiresAtMs: T0.getTime() + 300_000,
    deliveryMethod: 'mobile_number',
    otpId: tan.pending.id,
    otpHash: tan.pending.secret,
    otpSentTo: NUMBER.id,
    attempts: 0,
  };
  const state = { request, number: NUMBER as typeof NUMBER | undefined, budget: [] as number[], notices: 0 };
  const open = (r: ChangeRequestRecord) =>
    ['AUTHORIZATION_REQUIRED', 'CONFIRMATION_REQUIRED'].includes(r.status);
  const deps = {
    clock: { now: () => now },
    config: { codeChecksPerDay: 30, otpMaxAttempts: 5, coolingOffSeconds: 86_400 },
    pepper: async () => pepper,
    changeRequests: {
      get: async () => ({ ...state.request }),
      completionEventItem: () => ({ name: 'request_event', item: {} }),
      close: async (_id: string, status: ChangeRequestStatus) => {
        if (open(state.request)) state.request = { ...state.request, status };
      },
      loadTanCheck: async () => ({
        request: { ...state.request },
        code: tanOf(state.request),
        budget: [...state.budget],
        boundTo: 'cr1',
        verifiedNumber: state.number?.verified ? state.number.id : null,
      }),
      commitTan: async (check: {
        request: ChangeRequestRecord;
        answer: 'right' | 'wrong';
        charge: BudgetCharge;
        maxAttempts: number;
        action?: { response: { code: number; body: unknown } };
      }) => {
        await Promise.resolve();
        const current = state.request;
        if (
          current.status !== 'CONFIRMATION_REQUIRED' ||
          current.otpId !== check.request.otpId ||
          current.expiresAtMs <= now.getTime() ||
          (check.answer === 'wrong' && current.attempts >= check.maxAttempts)
        ) {
          return 'code_changed';
        }
        if ((state.budget[check.charge.slot] ?? 0) > check.charge.cutoff) return 'budget_taken';
        if (check.answer === 'right' && !state.number) return 'action_failed';
        state.budget[check.charge.slot] = check.charge.at;
        if (check.answer === 'right') {
          state.number = undefined;
          state.request = {
            ...current,
            status: 'COMPLETED',
            responseCode: check.action!.response.code,
            responseBody: check.action!.response.body,
          };
        } else {
          state.request = { ...current, attempts: current.attempts + 1 };
        }
        return 'committed';
      },
    },
    mobileNumbers: { get: async () => state.number, deletionItems: () => [] },
    languages: { languageFor: async () => 'en' },
    sms: {
      dispatch: async () => {
        state.notices++;
      },
    },
    devices: {},
    coolingOffs: { current: async () => undefined, startItems: () => [] },
  } as unknown as ConfirmDeps;
  const confirm = (given: string) => confirmChangeRequest(deps, { id: 'cr1', personId: PERSON, tan: given });
  const wrong = tan.code === '000000' ? '000001' : '000000';
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: DomainError) => `${error.status} ${error.code}`,
    );
  return {
    state,
    deps,
    confirm,
    failure,
    tan: tan.code,
    wrong,
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
  };
}

const used = (budget: number[]) => budget.filter((t) => t > 0).length;

describe('change request states', () => {
  it('refuses a confirmation before authorization with 409 and spends nothing', async () => {
    const w = world({ status: 'AUTHORIZATION_REQUIRED' });
    expect(await w.failure(w.confirm(w.tan))).toBe('409 authorization_required');
    expect(used(w.state.budget)).toBe(0);
  });

  it('completes with the right TAN: the action runs, the notice goes out, the request says COMPLETED', async () => {
    const w = world();
    const view = await w.confirm(w.tan);
    expect(view).toMatchObject({ status: 'COMPLETED', response_code: 200 });
    expect(w.state.number).toBeUndefined();
    expect(w.state.notices).toBe(1);
    expect(await w.failure(w.confirm(w.tan))).toBe('409 change_request_closed');
  });

  it('fails for good on the third wrong TAN; each wrong one is charged once', async () => {
    const w = world();
    for (let i = 0; i < 3; i++) expect(await w.failure(w.confirm(w.wrong))).toBe('403 invalid_tan');
    expect(w.state.request.status).toBe('FAILED');
    expect(used(w.state.budget)).toBe(3);
    expect(await w.failure(w.confirm(w.tan))).toBe('409 change_request_closed');
    expect(w.state.number).toBeDefined();
  });

  it('answers a TAN of the wrong form 403 invalid_tan like a wrong one, charging nothing', async () => {
    const w = world();
    for (const given of ['12', '1234567', 'abcdef', '', ' 123456', '١٢٣٤٥٦']) {
      expect(await w.failure(w.confirm(given))).toBe('403 invalid_tan');
    }
    expect(used(w.state.budget)).toBe(0);
    expect(w.state.request).toMatchObject({ status: 'CONFIRMATION_REQUIRED', attempts: 0 });
    expect((await w.confirm(w.tan)).status).toBe('COMPLETED');
  });

  it('expires after its 5 minutes: 422, closed as EXPIRED, nothing charged', async () => {
    const w = world();
    w.advance(300_000);
    expect(await w.failure(w.confirm(w.tan))).toBe('422 change_request_expired');
    expect(w.state.request.status).toBe('EXPIRED');
    expect((await getChangeRequest(w.deps, 'cr1')).status).toBe('EXPIRED');
    expect(used(w.state.budget)).toBe(0);
  });

  it('lets one of 20 concurrent right TANs complete; the others see it completed and are not charged', async () => {
    const w = world();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        w.confirm(w.tan).then(
          (view) => view.status,
          (error: DomainError) => `${error.status} ${error.code}`,
        ),
      ),
    );
    expect(answers.filter((a) => a === 'COMPLETED')).toHaveLength(1);
    expect(answers.filter((a) => a === '409 change_request_closed')).toHaveLength(19);
    expect(used(w.state.budget)).toBe(1);
    expect(w.state.notices).toBe(1);
  });
});
