/**
 * Domain errors: what a use case refuses, with the HTTP status and public code the caller sees. They sit below the
 * domain (use cases and stores throw them); the HTTP pipeline maps them to each API's error shape.
 *
 * Two kinds of error leave a handler: a DomainError, which carries its HTTP status and public code and is shown to
 * the caller as it is, and everything else, which becomes a generic 500 whose details only reach the log.
 */
export interface ErrorSource {
  field: string;
  message: string;
}

export class DomainError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly source: ErrorSource | undefined;
  readonly headers: Record<string, string>;
  /** The gRPC code the end-user (Zitadel-shaped) API answers with, where the HTTP status alone does not say it. */
  readonly grpcCode: number | undefined;
  /** Set for errors the end-user API names in a Zitadel `ErrorDetail` (`details[0].id`), beyond the gRPC code. */
  readonly detailId: string | undefined;

  constructor(
    status: number,
    code: string,
    title: string,
    detail: string,
    options: {
      source?: ErrorSource;
      headers?: Record<string, string>;
      grpcCode?: number;
      detailId?: string;
    } = {},
  ) {
    super(detail);
    this.name = 'DomainError';
    this.status = status;
    this.code = code;
    this.title = title;
    this.source = options.source;
    this.headers = options.headers ?? {};
    this.grpcCode = options.grpcCode;
    this.detailId = options.detailId;
  }
}

export const badRequest = (detail: string, source?: ErrorSource) =>
  new DomainError(400, 'validation_error', 'Validation Error', detail, source ? { source } : {});

export const notFound = (detail: string) =>
  new DomainError(404, 'model_not_found', 'Model Not Found', detail);

export const conflict = (code: string, title: string, detail: string) =>
  new DomainError(409, code, title, detail);

export const forbidden = (code: string, title: string, detail: string) =>
  new DomainError(403, code, title, detail);

export const unprocessable = (code: string, title: string, detail: string) =>
  new DomainError(422, code, title, detail);

export const tooManyRequests = (detail: string, retryAfterSeconds: number) =>
  new DomainError(429, 'too_many_requests', 'Too Many Requests', detail, {
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  });

export const invalidTan = () =>
  forbidden('invalid_tan', 'Invalid TAN', 'The TAN is invalid, expired or no longer usable.');

/** gRPC FAILED_PRECONDITION (9): the request is fine, the resource's state does not allow it now. */
export const failedPrecondition = (detail: string) =>
  new DomainError(400, 'failed_precondition', 'Failed Precondition', detail, { grpcCode: 9 });
