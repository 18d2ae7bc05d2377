/**
 * A value made on first use and kept, for the SDK clients a function needs on some answers only. Each adapter loads
 * its client with a dynamic `import()`, which the deployed function has as a chunk of its own (lib/service-function.ts):
 * a cold start whose answers never send an SMS, read a secret or sign a receipt never parses that client. A rejected
 * `make` is not kept, so the next use calls it again. (That helps with a failure in `make`'s own work; a chunk whose
 * evaluation threw stays failed, since the module loader keeps that outcome for the life of the process.)
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
