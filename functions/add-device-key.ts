import { addDeviceKeyBody, devicePath } from '#shared/devices/device.schema.ts';
import { addDeviceKey } from '#shared/devices/use-cases.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { runtime } from '#shared/runtime.ts';

export const handler = httpRoute(
  'add-device-key',
  { params: devicePath, body: addDeviceKeyBody },
  async ({ params, body }) => ({
    status: 201,
    body: await addDeviceKey(runtime(), {
      deviceId: params.device_id,
      key: body.key,
      keyPurpose: body.key_purpose,
      signatureKeyPurpose: body.device_signature.signature_key_purpose,
      signature: body.device_signature.signature,
      personId: body.person_id,
    }),
  }),
);
