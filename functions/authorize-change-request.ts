import '#shared/aws/secrets-manager.ts';
import '#shared/aws/sns.ts';
import {
  authorizeChangeRequestBody,
  changeRequestPath,
} from '#shared/change-requests/change-request.schema.ts';
import { authorizeWithDevice, authorizeWithSms } from '#shared/change-requests/use-cases.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { runtime } from '#shared/runtime.ts';

export const handler = httpRoute(
  'authorize-change-request',
  { params: changeRequestPath, body: authorizeChangeRequestBody },
  async ({ params, body }) => ({
    status: 201,
    body:
      body.delivery_method === 'mobile_number'
        ? await authorizeWithSms(runtime(), { id: params.id, personId: body.person_id })
        : await authorizeWithDevice(runtime(), {
            id: params.id,
            deviceId: body.device_id,
            keyPurpose: body.key_purpose,
          }),
  }),
);
