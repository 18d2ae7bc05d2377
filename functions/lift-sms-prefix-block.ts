import { operatorOf } from '#shared/auth/caller.ts';
import * as compose from '#shared/compose.ts';
import { FRAUD_GUARD_REQUESTS } from '#shared/fraud-guard/fraud-guard.schema.ts';
import { liftPrefixBlock } from '#shared/fraud-guard/use-cases.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';

export const build = (adapters: Adapters) => {
  const rt = compose.prefixBlocks(adapters);
  return httpRoute(
    'lift-sms-prefix-block',
    { ...FRAUD_GUARD_REQUESTS['lift-sms-prefix-block'], authConfig: compose.pipeline(adapters) },
    async ({ params, caller }) => {
      await liftPrefixBlock(rt, params.prefix, operatorOf(caller));
      return { status: 204 };
    },
  );
};

export const handler = lambdaEntry('lift-sms-prefix-block', build, {});
