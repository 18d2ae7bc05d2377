/**
 * A value made on first use and kept, for the SDK clients a function needs on some answers only. Each adapter loads
 * its client with a dynamic `import()`, which the deployed function has as a chunk of its own (lib/service-function.ts):
 * a cold start whose answers never send an SMS, read a secret or sign a receipt never parses that client. A failed
 * load is not kept: the next use tries again.
 */
export function onFirstUse<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make().catch((error: unknown) => {
      made = undefined;
      throw error;
    });
    return made;
  };
}
