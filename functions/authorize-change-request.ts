import { secretsManagerReader } from '#shared/aws/secrets-manager.ts';
import { snsSmsSender } from '#shared/aws/sns.ts';
import {
  authorizeChangeRequestBody,
  changeRequestPath,
} from '#shared/change-requests/change-request.schema.ts';
import { authorizeWithDevice, authorizeWithSms } from '#shared/change-requests/use-cases.ts';
import * as compose from '#shared/compose.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';

/** What this route validates (the OpenAPI document is built from it). */
export const spec = { params: changeRequestPath, body: authorizeChangeRequestBody };

export const build = (adapters: Adapters) => {
  const rt = compose.authorizeChangeRequest(adapters);
  return httpRoute(
    'authorize-change-request',
    { ...spec, authConfig: compose.pipeline(adapters), idempotency: compose.idempotency(adapters) },
    async ({ params, body }) => ({
      status: 201,
      body:
        body.delivery_method === 'mobile_number'
          ? await authorizeWithSms(rt, { id: params.id, personId: body.person_id })
          : await authorizeWithDevice(rt, {
              id: params.id,
              deviceId: body.device_id,
              keyPurpose: body.key_purpose,
            }),
    }),
  );
};

export const handler = lambdaEntry('authorize-change-request', build, {
  sms: snsSmsSender,
  secrets: secretsManagerReader,
});
