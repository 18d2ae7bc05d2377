/**
 * Domain errors: what a use case refuses, with the HTTP status and public code the caller sees. They sit below the
 * domain (use cases and stores throw them) and know nothing of HTTP's error shapes: the HTTP pipeline maps them to each
 * API's shape through the table in shared/http/error-mapping.ts.
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

  constructor(
    status: number,
    code: string,
    title: string,
    detail: string,
    options: { source?: ErrorSource; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = 'DomainError';
    this.status = status;
    this.code = code;
    this.title = title;
    this.source = options.source;
    this.headers = options.headers ?? {};
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

/**
 * The request is fine, the resource's state does not allow it now (gRPC FAILED_PRECONDITION on the end-user API:
 * shared/http/error-mapping.ts).
 */
export const failedPrecondition = (detail: string) =>
  new DomainError(400, 'failed_precondition', 'Failed Precondition', detail);
