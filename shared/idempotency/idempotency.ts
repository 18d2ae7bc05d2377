import { createHash } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { badRequest, DomainError } from '../errors.ts';

/** The header a partner sends to make a POST, PUT or DELETE safe to retry. */
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
/** A stored answer is replayed for this long after the first request. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
/**
 * How much longer than the function's timeout a claim of a running request lasts. The lease must outlive the run (a
 * shorter one would let a retry run the request a second time while the first still runs); the margin covers clock
 * skew between the instances comparing `ttl` with their own clocks.
 */
export const LEASE_MARGIN_SECONDS = 20;

/**
 * A claim whose request never finished (the function died, or hit its timeout) blocks retries only this long, not
 * 24 h: the function's timeout (config `FUNCTION_TIMEOUT_SECONDS`, set by the stack) plus the margin.
 */
export const leaseSecondsFor = (functionTimeoutSeconds: number) =>
  functionTimeoutSeconds + LEASE_MARGIN_SECONDS;

const PRINTABLE_ASCII = /^[\x20-\x7E]{1,255}$/;

/** A stored answer: status, body and the headers that belong to it (not the request id). */
export interface StoredAnswer {
  status: number;
  body: string;
  headers: Record<string, string>;
}

export type ClaimOutcome =
  | { kind: 'claimed' }
  | { kind: 'taken'; fingerprint: string; answer?: StoredAnswer };

/** Where keys are claimed and answers kept (shared/idempotency/dynamo-idempotency-store.ts). */
export interface IdempotencyStore {
  /** Claims (scope, key) for this request unless a live claim exists; atomic (a conditional put). */
  claim(scope: string, key: string, fingerprint: string, nowMs: number): Promise<ClaimOutcome>;
  /** Stores the answer of the claimed request for the replay window. */
  complete(
    scope: string,
    key: string,
    fingerprint: string,
    answer: StoredAnswer,
    nowMs: number,
  ): Promise<void>;
  /** Gives the claim up, so that a retry runs the request again. */
  release(scope: string, key: string, fingerprint: string): Promise<void>;
}

/**
 * Which answers are kept: 2xx and 4xx, since the same request would get the same answer again, except those where a
 * retry can succeed: 409 (a concurrent change), 429 (a limit that refills) and every 5xx; for those the claim is
 * released.
 */
export const keepsAnswer = (status: number) =>
  (status >= 200 && status < 300) || (status >= 400 && status < 500 && status !== 409 && status !== 429);

/** A header's value whatever its spelling (API Gateway lowercases names; a hand-built event may not). */
const headerOf = (event: APIGatewayProxyEventV2, name: string): string =>
  Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1] ?? '';

/**
 * The request's identity: method, path, query string, content type and a hash of the raw body. Each part is
 * length-prefixed, so no two different requests make the same text; a retry that differs in any of them is another
 * request (422), never a replay of the first one's answer.
 */
export function fingerprintOf(event: APIGatewayProxyEventV2): string {
  const body = event.body
    ? event.isBase64Encoded
      ? Buffer.from(event.body, 'base64')
      : Buffer.from(event.body, 'utf8')
    : Buffer.alloc(0);
  const parts = [
    event.requestContext?.http?.method ?? '',
    event.rawPath,
    event.rawQueryString ?? '',
    headerOf(event, 'content-type'),
    createHash('sha256').update(body).digest('hex'),
  ];
  return createHash('sha256')
    .update(parts.map((part) => `${part.length}:${part}`).join('\n'))
    .digest('hex');
}

export const keyReused = () =>
  new DomainError(
    422,
    'idempotency_key_reused',
    'Idempotency Key Reused',
    'This Idempotency-Key was used for a different request (method, path, query, content type or body) within the last 24 hours.',
  );

export const keyInProgress = () =>
  new DomainError(
    409,
    'idempotency_request_in_progress',
    'Request In Progress',
    'A request with this Idempotency-Key is still running; retry later.',
    { headers: { 'Retry-After': '1' } },
  );

function checkKey(key: string): void {
  if (!PRINTABLE_ASCII.test(key)) {
    throw badRequest(`${IDEMPOTENCY_HEADER} must be 1 to 255 printable ASCII characters.`, {
      field: IDEMPOTENCY_HEADER,
      message: 'not 1 to 255 printable ASCII characters',
    });
  }
}

const replay = (answer: StoredAnswer): APIGatewayProxyStructuredResultV2 => ({
  statusCode: answer.status,
  headers: { ...answer.headers, 'Idempotent-Replayed': 'true' },
  body: answer.body,
});

/**
 * Runs `execute` at most once per (scope, key) within the replay window: the first request claims the key and its
 * answer is stored; a retry of the same request gets that answer, a different request 422, and a retry while the
 * first runs 409. `execute` answers errors as responses (the caller maps domain errors) and throws only what is
 * unexpected, which releases the claim.
 */
export async function idempotent(
  store: IdempotencyStore,
  now: () => number,
  scope: string,
  key: string,
  event: APIGatewayProxyEventV2,
  execute: () => Promise<APIGatewayProxyStructuredResultV2>,
): Promise<APIGatewayProxyStructuredResultV2> {
  checkKey(key);
  const fingerprint = fingerprintOf(event);
  const claim = await store.claim(scope, key, fingerprint, now());
  if (claim.kind === 'taken') {
    if (claim.fingerprint !== fingerprint) throw keyReused();
    if (!claim.answer) throw keyInProgress();
    return replay(claim.answer);
  }
  let response: APIGatewayProxyStructuredResultV2;
  try {
    response = await execute();
  } catch (error) {
    await store.release(scope, key, fingerprint);
    throw error;
  }
  const status = response.statusCode ?? 200;
  if (keepsAnswer(status)) {
    const { 'X-Request-Id': _requestId, ...headers } = (response.headers ?? {}) as Record<string, string>;
    await store.complete(scope, key, fingerprint, { status, body: response.body ?? '', headers }, now());
  } else {
    await store.release(scope, key, fingerprint);
  }
  return response;
}
