import { AsyncLocalStorage } from 'node:async_hooks';
import { DomainError } from './errors.ts';

/**
 * The time an invocation has to answer, and the rule that a use case starts no side effect it cannot finish in it.
 *
 * A Lambda that runs out of time is killed, and API Gateway answers 5xx while whatever the function started may
 * still happen: an SMS that leaves after the client saw an error is sent again when the client retries. So the HTTP
 * pipeline answers 503 with Retry-After a little before the function's own end (ANSWER_MARGIN_MS), and a side effect
 * (sending an SMS) first asks `requireTimeFor` whether the time left covers it; if not, nothing is sent and the
 * request answers the same 503.
 */

/** How long before the function's end the pipeline answers for it: mapping, logging and returning the answer. */
export const ANSWER_MARGIN_MS = 500;
/** What a refused or timed-out request tells the client to wait before retrying (with the same Idempotency-Key). */
export const OUT_OF_TIME_RETRY_AFTER_SECONDS = 2;

const deadlines = new AsyncLocalStorage<number>();

/** Runs `work` with a deadline (epoch milliseconds) that every `requireTimeFor` inside it (across awaits) sees. */
export const withDeadline = <T>(deadlineAtMs: number, work: () => T): T => deadlines.run(deadlineAtMs, work);

/** Milliseconds left before the current deadline; Infinity outside one (scripts, the event relay). */
export function timeLeftMs(): number {
  const deadline = deadlines.getStore();
  return deadline === undefined ? Number.POSITIVE_INFINITY : deadline - Date.now();
}

export const outOfTime = (detail: string) =>
  new DomainError(503, 'out_of_time', 'Service Unavailable', detail, {
    headers: { 'Retry-After': String(OUT_OF_TIME_RETRY_AFTER_SECONDS) },
  });

/** Refuses (503) to start something that needs `neededMs` when less is left; `what` names it for the client. */
export function requireTimeFor(neededMs: number, what: string): void {
  if (timeLeftMs() < neededMs) {
    throw outOfTime(
      `Too little time was left to ${what}; nothing was sent. Retry with the same Idempotency-Key.`,
    );
  }
}
