import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Caller } from '../auth/caller.ts';
import { requesterOf, runAsRequester } from '../auth/requester.ts';
import type { AuthConfig } from '../config.ts';
import { ANSWER_MARGIN_MS, outOfTime, withDeadline } from '../deadline.ts';
import { withInvocation } from '../logging.ts';
import {
  type AuthKind,
  authOf,
  type ErrorShape,
  errorShapeOf,
  ROUTES,
  takesIdempotencyKey,
} from '../routes.ts';
import type { RouteSchemas } from '../validation.ts';
import type { output, ZodMiniType as ZodType } from '../zod.ts';
import {
  authorizeCaller,
  claimIdempotencyKey,
  correlate,
  correlationIdOf,
  type IdempotencySpec,
  logRequest,
  mapErrors,
  pipelineState,
  securityHeaders,
  validateInput,
} from './middlewares.ts';

export {
  type ErrorBody,
  errorResponse,
  type GrpcErrorBody,
  ZITADEL_ERROR_DETAIL,
} from './error-mapping.ts';
export { MAX_BODY_BYTES } from './middlewares.ts';

export interface HttpResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  requestId: string;
  event: APIGatewayProxyEventV2;
  /** The caller the token names; on user routes the person id comes from here, never from the request. */
  caller: Caller;
}

export interface RouteSpec<P extends ZodType, Q extends ZodType, B extends ZodType>
  extends RouteSchemas<P, Q, B> {
  /** Only for operations outside the route table (tests); table routes take their kind from the table. */
  auth?: AuthKind;
  /** The token settings callers are checked against (the function's auth configuration section). */
  authConfig: AuthConfig;
  /** Partner write routes: where Idempotency-Key claims and answers are kept (shared/idempotency/). */
  idempotency?: IdempotencySpec;
}

/** When the pipeline answers for the function at the latest: its remaining time less the answer margin. */
const deadlineOf = (context: Context): number =>
  typeof context?.getRemainingTimeInMillis === 'function'
    ? Date.now() + context.getRemainingTimeInMillis() - ANSWER_MARGIN_MS
    : Number.POSITIVE_INFINITY;

type Out<T> = T extends ZodType ? output<T> : undefined;

/**
 * Builds a Lambda handler for one operation from the named steps of shared/http/middlewares.ts, in this order:
 * correlate, securityHeaders, logRequest, mapErrors, authorizeCaller (middy middlewares), then in the handler the
 * Idempotency-Key claim around parseRequest and validateInput and the handler body. The handler body receives the
 * caller and validated input and returns a status and body. The route table decides who may call (partner by
 * default) and the error shape (Zitadel's under `/auth/`, Connect's under `/zitadel.`, Solaris's elsewhere).
 */
export function httpRoute<P extends ZodType, Q extends ZodType, B extends ZodType>(
  operation: string,
  spec: RouteSpec<P, Q, B>,
  handle: (input: RouteInput<Out<P>, Out<Q>, Out<B>>) => Promise<HttpResult>,
) {
  const route = ROUTES.find((candidate) => candidate.operation === operation);
  const kind: AuthKind = route ? authOf(route) : (spec.auth ?? 'partner');
  const shape: ErrorShape = route ? errorShapeOf(route) : 'solaris';
  // The route table says which routes claim an Idempotency-Key (the stack sets their lease from it): a handler that
  // disagrees fails when it is built, not on its first retried request.
  if (route && takesIdempotencyKey(route) !== Boolean(spec.idempotency)) {
    throw new Error(
      `${operation}: the route table says it ${takesIdempotencyKey(route) ? 'takes' : 'takes no'} Idempotency-Key, its handler disagrees`,
    );
  }
  // Answer 503 (Retry-After) a little before the function's end, not middy's default TimeoutError (a 500): a client
  // retries a 503 with its Idempotency-Key, whose claim stays held while the timed-out run may still be going.
  const pipeline = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>({
    timeoutEarlyInMillis: ANSWER_MARGIN_MS,
    timeoutEarlyResponse: () => {
      throw outOfTime('The request ran out of time. Retry with the same Idempotency-Key.');
    },
  })
    .use(correlate())
    .use(securityHeaders())
    .use(logRequest())
    .use(mapErrors(shape))
    .use(authorizeCaller(kind, spec.authConfig))
    .handler(async (event, context) => {
      const { requestId, caller } = pipelineState(context);
      const state = { requestId, caller: caller! };
      return claimIdempotencyKey(spec.idempotency, shape, event, state, async () => {
        const input = validateInput(spec, event);
        // The fraud guard's caps charge SMS to the caller that asked for them (shared/auth/requester.ts).
        const result = await runAsRequester(requesterOf(state.caller), () =>
          handle({ ...input, requestId, event, caller: state.caller }),
        );
        return {
          statusCode: result.status,
          headers: result.headers ?? {},
          body: result.body === undefined ? '' : JSON.stringify(result.body),
        };
      });
    });
  // Every log line and metric of the invocation carries the correlation id (shared/logging.ts).
  // The use case sees the same deadline (shared/deadline.ts), so it starts no side effect it cannot finish.
  return (event: APIGatewayProxyEventV2, context: Context) =>
    withInvocation(operation, correlationIdOf(event), () =>
      withDeadline(deadlineOf(context), () => pipeline(event, context)),
    );
}
