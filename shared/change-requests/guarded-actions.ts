import { startCoolingOff } from '../cooling-off/cooling-off.ts';
import type { Uses } from '../deps.ts';
import { conflict } from '../errors.ts';
import { buildEvent } from '../events/event.ts';
import { MobileNumberDeleted } from '../events/mobile-number-events.ts';
import { sendNotice } from '../sms/notice.ts';
import type { TemplateKey } from '../sms/templates.ts';
import type { TxPart } from '../storage/dynamo.ts';
import * as z from '../zod.ts';
import type { ChangeRequestRecord } from './dynamo-change-request-store.ts';

/** What a guarded action may use to prepare its writes and its after-commit work. */
export type ActionDeps = Uses<'mobileNumbers' | 'languages' | 'sms' | 'coolingOffs', 'coolingOffSeconds'>;

export interface PreparedAction {
  /** DynamoDB transaction items that perform the action; they commit together with the request's completion. */
  items: TxPart[];
  /** What the guarded request would have answered, recorded as the change request's response. */
  response: { code: number; body: unknown };
  /** Work after the commit that must not undo it (a notification). */
  afterCommit?: () => Promise<void>;
}

/**
 * An action that needs a second factor. To guard another action, add one entry: the parameters it records when the
 * request is opened, the SMS text for the TAN, and how it prepares its writes from the current state.
 */
export interface GuardedAction<P> {
  params: z.ZodMiniType<P>;
  tanTemplate: TemplateKey;
  tanVariables?: (params: P) => Record<string, string>;
  prepare(rt: ActionDeps, request: ChangeRequestRecord, params: P, now: Date): Promise<PreparedAction>;
}

const defineAction = <P>(action: GuardedAction<P>) => action;

const noLongerPossible = () =>
  conflict(
    'change_no_longer_possible',
    'Change No Longer Possible',
    'The resource changed since the request was opened.',
  );

export const GUARDED_ACTIONS = {
  /**
   * Remove a verified mobile number (the person's SMS second factor). Its removal starts the person's cooling-off
   * window in the same transaction: the number is about to change.
   */
  'mobile_number.delete': defineAction({
    params: z.object({ mobile_number_id: z.string(), number: z.string() }),
    tanTemplate: 'sms.mobile_number.confirm_deletion',
    async prepare(rt, request, params, now) {
      const record = await rt.mobileNumbers.get(request.personId);
      if (!record || record.id !== params.mobile_number_id || !record.verified) throw noLongerPossible();
      const event = buildEvent(
        MobileNumberDeleted,
        { id: record.id, person_id: record.personId, number: record.number },
        now,
      );
      const coolingOff = startCoolingOff(
        record.personId,
        'mobile_number_removed',
        now,
        rt.config.coolingOffSeconds,
      );
      return {
        items: [
          ...rt.mobileNumbers.deletionItems(record, event, now),
          ...rt.coolingOffs.startItems(coolingOff.window, coolingOff.event, now),
        ],
        response: { code: 200, body: { id: record.id, number: record.number, verified: record.verified } },
        afterCommit: async () => {
          // The deletion stands whatever happens to this notice; a failure (e.g. the hourly SMS quota) is logged.
          await sendNotice(rt, {
            what: 'deletion',
            to: record.number,
            personId: record.personId,
            templateKey: 'sms.mobile_number.deleted_notification',
            variables: { number: record.number },
            logFields: { change_request_id: request.id },
          });
        },
      };
    },
  }),
};

export type GuardedActionName = keyof typeof GUARDED_ACTIONS;

export function guardedAction(name: string): GuardedAction<Record<string, unknown>> | undefined {
  return Object.hasOwn(GUARDED_ACTIONS, name)
    ? (GUARDED_ACTIONS[name as GuardedActionName] as unknown as GuardedAction<Record<string, unknown>>)
    : undefined;
}
