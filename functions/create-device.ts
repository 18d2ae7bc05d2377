import '#shared/aws/secrets-manager.ts';
import '#shared/aws/sns.ts';
import { bindDeviceBody } from '#shared/devices/device.schema.ts';
import { bindDevice } from '#shared/devices/use-cases.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { runtime } from '#shared/runtime.ts';

export const handler = httpRoute('create-device', { body: bindDeviceBody }, async ({ body }) => ({
  status: 202,
  body: await bindDevice(runtime(), {
    personId: body.person_id,
    key: body.key,
    keyPurpose: body.key_purpose,
    name: body.name,
    appSignature: body.sms_challenge?.app_signature,
    language: body.language,
    deviceData: body.device_data,
  }),
}));
