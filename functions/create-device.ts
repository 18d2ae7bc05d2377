import { secretsManagerReader } from '#shared/aws/secrets-manager.ts';
import { snsSmsSender } from '#shared/aws/sns.ts';
import * as compose from '#shared/compose.ts';
import { bindDeviceBody } from '#shared/devices/device.schema.ts';
import { bindDevice } from '#shared/devices/use-cases.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';

/** What this route validates (the OpenAPI document is built from it). */
export const spec = { body: bindDeviceBody };

export const build = (adapters: Adapters) => {
  const rt = compose.bindDevice(adapters);
  return httpRoute(
    'create-device',
    { ...spec, authConfig: compose.pipeline(adapters), idempotency: compose.idempotency(adapters) },
    async ({ body }) => ({
      status: 202,
      body: await bindDevice(rt, {
        personId: body.person_id,
        key: body.key,
        keyPurpose: body.key_purpose,
        name: body.name,
        appSignature: body.sms_challenge?.app_signature,
        language: body.language,
        deviceData: body.device_data,
      }),
    }),
  );
};

export const handler = lambdaEntry('create-device', build, {
  sms: snsSmsSender,
  secrets: secretsManagerReader,
});
