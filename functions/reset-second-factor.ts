import { operatorOf } from '#shared/auth/caller.ts';
import { snsSmsSender } from '#shared/aws/sns.ts';
import * as compose from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';
import { OPERATOR_REQUESTS } from '#shared/operator/operator.schema.ts';
import { resetSecondFactor } from '#shared/operator/use-cases.ts';

export const build = (adapters: Adapters) => {
  const rt = compose.resetSecondFactor(adapters);
  return httpRoute(
    'reset-second-factor',
    { ...OPERATOR_REQUESTS['reset-second-factor'], authConfig: compose.pipeline(adapters) },
    async ({ params, body, caller }) => ({
      status: 201,
      body: await resetSecondFactor(rt, {
        personId: params.person_id,
        operator: operatorOf(caller),
        reason: body.reason,
        removeMobileNumber: body.remove_mobile_number,
        revokeDevices: body.revoke_devices,
      }),
    }),
  );
};

export const handler = lambdaEntry('reset-second-factor', build, { sms: snsSmsSender });
