import * as compose from '#shared/compose.ts';
import { FRAUD_GUARD_REQUESTS } from '#shared/fraud-guard/fraud-guard.schema.ts';
import { listPrefixBlocks } from '#shared/fraud-guard/use-cases.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';

export const build = (adapters: Adapters) => {
  const rt = compose.prefixBlocks(adapters);
  return httpRoute(
    'list-sms-prefix-blocks',
    { ...FRAUD_GUARD_REQUESTS['list-sms-prefix-blocks'], authConfig: compose.pipeline(adapters) },
    async () => ({ status: 200, body: await listPrefixBlocks(rt) }),
  );
};

export const handler = lambdaEntry('list-sms-prefix-blocks', build, {});
