import '#shared/aws/secrets-manager.ts';
import '#shared/aws/sns.ts';
import {
  changeRequestPath,
  confirmChangeRequestBody,
} from '#shared/change-requests/change-request.schema.ts';
import { confirmChangeRequest } from '#shared/change-requests/use-cases.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { runtime } from '#shared/runtime.ts';

export const handler = httpRoute(
  'confirm-change-request',
  { params: changeRequestPath, body: confirmChangeRequestBody },
  async ({ params, body }) => ({
    status: 201,
    body: await confirmChangeRequest(
      runtime(),
      'tan' in body
        ? { id: params.id, personId: body.person_id, tan: body.tan }
        : { id: params.id, deviceId: body.device_id, signature: body.signature },
    ),
  }),
);
