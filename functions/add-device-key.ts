import * as compose from '#shared/compose.ts';
import { addDeviceKeyBody, devicePath } from '#shared/devices/device.schema.ts';
import { addDeviceKey } from '#shared/devices/use-cases.ts';
import { httpRoute } from '#shared/http/pipeline.ts';
import { type Adapters, lambdaEntry } from '#shared/lambda-entry.ts';

/** What this route validates (the OpenAPI document is built from it). */
export const spec = { params: devicePath, body: addDeviceKeyBody };

export const build = (adapters: Adapters) => {
  const rt = compose.devices(adapters);
  return httpRoute(
    'add-device-key',
    { ...spec, authConfig: compose.pipeline(adapters), idempotency: compose.idempotency(adapters) },
    async ({ params, body }) => ({
      status: 201,
      body: await addDeviceKey(rt, {
        deviceId: params.device_id,
        key: body.key,
        keyPurpose: body.key_purpose,
        signatureKeyPurpose: body.device_signature.signature_key_purpose,
        signature: body.device_signature.signature,
        personId: body.person_id,
      }),
    }),
  );
};

export const handler = lambdaEntry('add-device-key', build, {});
