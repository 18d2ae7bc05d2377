import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { DomainError } from '../errors.ts';
import type { ErrorShape } from '../routes.ts';

/** Headers on every answer of every API, errors included. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'Content-Type': 'application/json',
  'X-Content-Type-Options': 'nosniff',
  'Strict-Transport-Security': 'max-age=63072000; includeSubDomains',
};

/** The shape every partner API error takes (Solaris error shape). */
export interface ErrorBody {
  errors: Array<{
    id: string;
    status: number;
    code: string;
    title: string;
    detail: string;
    source?: { field: string; message: string };
  }>;
}

/** The end-user API's error shape (gRPC gateway, as Zitadel answers). */
export interface GrpcErrorBody {
  code: number;
  message: string;
  details: Array<{ '@type': string; id: string; message: string }>;
}

export const ZITADEL_ERROR_DETAIL = 'type.googleapis.com/zitadel.v1.ErrorDetail';

/** gRPC status codes by number (grpc/grpc, doc/statuscodes.md). */
export const GRPC = {
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** gRPC codes by HTTP status, for errors the table below does not name (the inverse of grpc-gateway's mapping). */
export const GRPC_BY_STATUS: Readonly<Record<number, number>> = {
  400: GRPC.INVALID_ARGUMENT,
  401: GRPC.UNAUTHENTICATED,
  403: GRPC.PERMISSION_DENIED,
  404: GRPC.NOT_FOUND,
  405: GRPC.UNIMPLEMENTED,
  409: GRPC.ABORTED,
  413: GRPC.INVALID_ARGUMENT,
  415: GRPC.INVALID_ARGUMENT,
  422: GRPC.FAILED_PRECONDITION,
  429: GRPC.RESOURCE_EXHAUSTED,
  500: GRPC.INTERNAL,
  502: GRPC.UNAVAILABLE,
  503: GRPC.UNAVAILABLE,
};

/** How the end-user API answers one domain error code where its HTTP status alone does not say it. */
export interface EndUserErrorMapping {
  /** The gRPC code (`code` of the Zitadel body; the Connect code derives from it). Default: by HTTP status. */
  grpc?: number;
  /** The HTTP status of the Zitadel answer. Default: the error's own status. */
  zitadelStatus?: number;
  /** The gRPC code whose Connect name and status the Connect answer takes, where it is not `grpc`. */
  connect?: number;
  /** The `details[0].id` of the Zitadel answer. Default: the error code. */
  detailId?: string;
}

/**
 * The end-user API's answers that differ from what the partner API's HTTP status alone would give, by domain error
 * code, as data:
 * - `invalid_tan`: Zitadel answers a wrong verification code with INVALID_ARGUMENT (400), not with a 403 as Solaris
 *   does for a TAN; the end-user API follows Zitadel.
 * - `mobile_number_exists`: ALREADY_EXISTS.
 * - `sms_country_not_allowed`: FAILED_PRECONDITION, which is HTTP 400 in grpc-gateway's mapping (the partner API
 *   answers 422), with Zitadel's detail id.
 * - `failed_precondition`: a state that does not allow the request now (HTTP 400 on both APIs).
 * - `route_not_found`: a Connect server answers `unimplemented` for a procedure it does not serve.
 * - The local gateway's refusals of malformed HTTP: a timeout is DEADLINE_EXCEEDED, oversized headers are
 *   INVALID_ARGUMENT.
 */
export const END_USER_ERRORS: Readonly<Record<string, EndUserErrorMapping>> = {
  invalid_tan: { grpc: GRPC.INVALID_ARGUMENT, zitadelStatus: 400 },
  mobile_number_exists: { grpc: GRPC.ALREADY_EXISTS, zitadelStatus: 409 },
  sms_country_not_allowed: {
    grpc: GRPC.FAILED_PRECONDITION,
    zitadelStatus: 400,
    detailId: 'SMS-COUNTRY-NOT-ALLOWED',
  },
  failed_precondition: { grpc: GRPC.FAILED_PRECONDITION },
  route_not_found: { connect: GRPC.UNIMPLEMENTED },
  request_timeout: { grpc: GRPC.DEADLINE_EXCEEDED },
  request_header_fields_too_large: { grpc: GRPC.INVALID_ARGUMENT },
  malformed_request: { grpc: GRPC.INVALID_ARGUMENT },
};

/**
 * Connect's names and HTTP statuses of the gRPC codes (connectrpc.com/docs/protocol, "Error Codes", as updated in
 * connectrpc/connectrpc.com#130), by number.
 */
export const CONNECT_CODES: Readonly<Record<number, readonly [name: string, status: number]>> = {
  1: ['canceled', 499],
  2: ['unknown', 500],
  3: ['invalid_argument', 400],
  4: ['deadline_exceeded', 504],
  5: ['not_found', 404],
  6: ['already_exists', 409],
  7: ['permission_denied', 403],
  8: ['resource_exhausted', 429],
  9: ['failed_precondition', 400],
  10: ['aborted', 409],
  11: ['out_of_range', 400],
  12: ['unimplemented', 501],
  13: ['internal', 500],
  14: ['unavailable', 503],
  15: ['data_loss', 500],
  16: ['unauthenticated', 401],
};

/** The gRPC code and HTTP status of a domain error on the Zitadel-shaped API. */
export function zitadelStatusOf(error: DomainError): { code: number; status: number } {
  const mapped = END_USER_ERRORS[error.code];
  return {
    code: mapped?.grpc ?? GRPC_BY_STATUS[error.status] ?? GRPC.UNKNOWN,
    status: mapped?.zitadelStatus ?? error.status,
  };
}

/** The Connect code name and HTTP status of a domain error on the Connect routes. */
export function connectStatusOf(error: DomainError): { code: string; status: number } {
  const grpc = END_USER_ERRORS[error.code]?.connect ?? zitadelStatusOf(error).code;
  const [code, status] = CONNECT_CODES[grpc] ?? ['unknown', 500];
  return { code, status };
}

/** A domain error as the answer of an API of the given shape, with the security headers and the request id. */
export function errorResponse(
  error: DomainError,
  requestId: string,
  shape: ErrorShape = 'solaris',
): APIGatewayProxyStructuredResultV2 {
  const headers = { ...SECURITY_HEADERS, ...error.headers, 'X-Request-Id': requestId };
  if (shape === 'connect') {
    const { code, status } = connectStatusOf(error);
    return { statusCode: status, headers, body: JSON.stringify({ code, message: error.message }) };
  }
  if (shape === 'zitadel') {
    const { code, status } = zitadelStatusOf(error);
    // As Zitadel answers: one zitadel.v1.ErrorDetail naming the error (its id is our error code, or the detail id
    // the table names for it).
    const grpcBody: GrpcErrorBody = {
      code,
      message: error.message,
      details: [
        {
          '@type': ZITADEL_ERROR_DETAIL,
          id: END_USER_ERRORS[error.code]?.detailId ?? error.code,
          message: error.message,
        },
      ],
    };
    return { statusCode: status, headers, body: JSON.stringify(grpcBody) };
  }
  const body: ErrorBody = {
    errors: [
      {
        id: requestId,
        status: error.status,
        code: error.code,
        title: error.title,
        detail: error.message,
        ...(error.source ? { source: error.source } : {}),
      },
    ],
  };
  return { statusCode: error.status, headers, body: JSON.stringify(body) };
}
