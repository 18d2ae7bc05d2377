import type { Reporter, TestModule } from 'vitest/node';

/** Ends the run with the plain line CI reads: `N passed, N failed` (and skipped, when any were, each named). */
export default class CountReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<unknown>) {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const skippedNames: string[] = [];
    for (const module of modules) {
      let failedHere = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failedHere++;
        else {
          skipped++;
          // Skipped on purpose (skip, skipIf, todo); tests left unrun by a failed hook count with the failure below.
          if (test.options.mode === 'skip' || test.options.mode === 'todo') skippedNames.push(test.fullName);
        }
      }
      // A file that failed without a failing test (a hook timed out, say) is a failure too.
      failed += failedHere || (module.state() === 'failed' ? 1 : 0);
    }
    failed += errors.length;
    // A skip says so, with its reason (the test's name carries it): never a silent pass.
    for (const name of skippedNames) process.stdout.write(`\nskipped: ${name}`);
    process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
