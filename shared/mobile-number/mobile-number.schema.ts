import { LANGUAGES } from '../sms/templates.ts';
import { deviceData, personPath, type RouteSchemas, wellFormed } from '../validation.ts';
import * as z from '../zod.ts';

/**
 * Raw input; sanitizing and E.164 validation happen in the use case (they depend on the sandbox setting). Unknown
 * fields are dropped, never stored or echoed: clients may send newer fields.
 */
const numberInput = z.string().check(z.minLength(1), z.maxLength(40));

export const createMobileNumberBody = z.object({ number: numberInput, device_data: deviceData });

/**
 * Solaris's create takes a query parameter `with_identification` that its reference lists without describing. By its
 * name it asks for the number to be handled as part of a person identification, which this service does not run, so
 * nothing could honour `true`: only `false` (or no parameter) is accepted, and anything else is refused with 400
 * rather than silently ignored.
 */
export const createMobileNumberQuery = z.object({
  with_identification: z.optional(
    z.enum(['false'], {
      message: 'identification is not supported by this service: omit with_identification or send false',
    }),
  ),
});
export const deleteMobileNumberBody = z.object({ number: numberInput });
export const authorizeMobileNumberBody = z.object({ number: numberInput, device_data: deviceData });
export const confirmMobileNumberBody = z.object({
  number: numberInput,
  // Any token that is not the OTP is refused with 403 invalid_tan, as the reference answers; a malformed one is
  // refused before any comparison and spends no attempt.
  token: z.string().check(z.maxLength(200)),
  device_data: deviceData,
});

const variableValue = z.string().check(
  z.maxLength(64),
  wellFormed(),
  // Control, format (bidi overrides, zero-width) and line-separator characters could disguise what an SMS says.
  z.regex(/^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]*$/u, 'must not contain control, format or line-separator characters'),
);

export const reauthorizeMobileNumberBody = z.object({
  authorization_text_key: z.string().check(z.minLength(1), z.maxLength(100)),
  authorization_text_variables: z.optional(
    z
      .record(z.string().check(z.regex(/^[a-z_]{1,32}$/i)), variableValue)
      .check(z.refine((value) => Object.keys(value).length <= 10, 'at most 10 variables')),
  ),
  device_data: deviceData,
});

export const languageSettingsBody = z.object({ language: z.enum(LANGUAGES) });

export interface MobileNumberView {
  id: string;
  number: string;
  verified: boolean;
}

/** Request schemas by operation (the route table's `operation`): what each route validates and OpenAPI documents. */
export const MOBILE_NUMBER_REQUESTS = {
  'create-mobile-number': {
    params: personPath,
    query: createMobileNumberQuery,
    body: createMobileNumberBody,
  },
  'delete-mobile-number': { params: personPath, body: deleteMobileNumberBody },
  'authorize-mobile-number': { params: personPath, body: authorizeMobileNumberBody },
  'confirm-mobile-number': { params: personPath, body: confirmMobileNumberBody },
  'reauthorize-mobile-number': { params: personPath, body: reauthorizeMobileNumberBody },
  'put-language-settings': { params: personPath, body: languageSettingsBody },
} satisfies Record<string, RouteSchemas>;
