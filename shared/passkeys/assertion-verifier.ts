import type { AssertionVerifier } from './ports.ts';

/**
 * The assertion verifier, loading @simplewebauthn/server on the first assertion. Only the functions that verify
 * passkeys import this module (their handlers add it to their ports), so only their bundles carry the library, and
 * none of them parses it at cold start.
 */
export const lazyAssertionVerifier: AssertionVerifier = {
  verify: async (...args) => (await import('./webauthn.ts')).verifyAssertion(...args),
};
