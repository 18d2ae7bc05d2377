import { AsyncLocalStorage } from 'node:async_hooks';
import type { Caller } from './caller.ts';

/**
 * Who an SMS is sent for, as the fraud guard's caps count it: the partner client the token names (`client_id`), or
 * the end-user API as a whole. The HTTP pipeline sets it once per request, so that the SMS dispatcher, deep below
 * the use cases, charges the right cap without every use case passing the caller down.
 */
const requesters = new AsyncLocalStorage<string>();

/** The end-user API's requester: its SMS go to numbers people typed, and the per-person limits hold each one. */
export const END_USER_API = '@end-users';
/** Work outside any request (tools, the benchmark without a requester). */
export const SERVICE = '@service';

export function requesterOf(caller: Caller): string {
  switch (caller.kind) {
    case 'partner':
      return caller.clientId;
    case 'user':
      return END_USER_API;
    case 'operator':
      return `@operator/${caller.operatorId}`;
    default:
      return SERVICE;
  }
}

export const runAsRequester = <T>(requester: string, work: () => T): T => requesters.run(requester, work);

export const currentRequester = (): string => requesters.getStore() ?? SERVICE;
