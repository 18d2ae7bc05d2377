/**
 * What every command-line tool here shares: `--help` prints the usage and exits 0; a user error (an unknown option,
 * a missing or malformed value) prints one line and exits 2; anything else prints one line and exits 1. A newcomer
 * never sees a stack trace for a typo.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** A mistake in how the tool was called: one line on stderr, exit code 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCli<O extends Options>(spec: { usage: string; options: O; allowPositionals?: boolean }) {
  const config = {
    options: { ...spec.options, help: { type: 'boolean', short: 'h' } } as O & {
      help: { type: 'boolean'; short: 'h' };
    },
    allowPositionals: true as const,
    strict: true as const,
  };
  let parsed: ReturnType<typeof parseArgs<typeof config>>;
  try {
    parsed = parseArgs(config);
  } catch (error) {
    // node:util's messages name the option ("Unknown option '--x'"); the usage hint says where to look.
    fail(
      `${(error instanceof Error ? error.message : String(error)).replace(/\. To specify[\s\S]*$/, '').split('\n')[0]} (--help for usage)`,
    );
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(spec.usage);
    process.exit(0);
  }
  if (!spec.allowPositionals && parsed.positionals.length > 0) {
    fail(`Unexpected argument '${parsed.positionals[0]}' (--help for usage)`);
  }
  return parsed;
}

export function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

/** Runs a tool's body: UsageError exits 2, any other error exits 1, each with its message on one line. */
export async function runCli(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    const cause = error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
    const message =
      cause?.code === 'ECONNREFUSED'
        ? 'cannot reach the server: is `npm start` running on that port? (--url to name another)'
        : error instanceof Error
          ? error.message
          : String(error);
    console.error(message.split('\n')[0]);
    process.exit(error instanceof UsageError ? 2 : 1);
  }
}
