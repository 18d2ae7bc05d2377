import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { type BuildOptions, buildSync } from 'esbuild';

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface ServiceFunctionProps {
  /** Path of the handler file, relative to the project root. */
  entry: string;
  environment?: Record<string, string>;
  timeout?: Duration;
  description?: string;
}

/** Memory and architecture of every function (the benchmark's cost model reads them from here too). */
export const FUNCTION_MEMORY_MB = 512;
export const FUNCTION_ARCHITECTURE = lambda.Architecture.ARM_64;
/** The Lambda runtime; the tests and the benchmark run on the same Node.js major (package.json devDependency `node`). */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;
/** The Node.js major of `FUNCTION_RUNTIME` (`nodejs24.x` → 24). */
export const FUNCTION_NODE_MAJOR = Number(/^nodejs(\d+)\.x$/.exec(FUNCTION_RUNTIME.name)?.[1]);
/**
 * Functions run without NODE_OPTIONS. `--enable-source-maps` would make Node read and parse a bundle's whole source
 * map in every cold start, 7 to 10 ms of init on the benchmark machine; the few log lines that carry a stack map it
 * when they are written instead (shared/source-stack.ts), from the map shipped beside the bundle.
 */

/**
 * How every function is bundled: esbuild, run in the CDK app (no Docker), as minified ESM for Node 24 with the SDK
 * bundled, so deployed code runs the versions the lockfile pins. `esbuildOptions` is the one source of these options:
 * the stack, the benchmark and the tests that run built functions all build with it.
 *
 * The output is split (`splitting`): the handler's `index.mjs` plus chunks for the code that is only loaded by a
 * dynamic `import()`. In a single file, every cold start parses that code too: the SDK's credential providers for
 * SSO, profiles, web identity and the login flow (about 140 KB of the SDK's own lazily imported modules), which a
 * Lambda function, whose credentials come from its environment, never runs. Split, Node never reads them. See
 * docs/benchmarks.md, "Cold init", for what it saves. The stack builds all functions in one run (`bundleFunction`),
 * so a function's static imports are chunks too: code it shares with other functions. It loads the same code as a
 * build of its own would, from more files.
 */
export const BUNDLING = {
  format: 'esm',
  target: `node${FUNCTION_NODE_MAJOR}`,
  minify: true,
  splitting: true,
  // Shipped beside each file and read only when a stack is logged (shared/source-stack.ts). The maps name files and
  // lines, without a copy of every source.
  sourceMap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
} as const;

/** The file a built function starts from, in its output directory: the Lambda handler is `index.handler`. */
export const FUNCTION_ENTRY_FILE = 'index.mjs';

/**
 * esbuild's options for one function: `entry` (relative to the project root, or absolute) built into `outdir` as
 * `index.mjs` with its chunks and source maps.
 */
export function esbuildOptions(entry: string, outdir: string): BuildOptions & { outdir: string } {
  return {
    entryPoints: { index: isAbsolute(entry) ? entry : join(PROJECT_ROOT, entry) },
    outdir,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunk-[hash]',
    bundle: true,
    platform: 'node',
    format: BUNDLING.format,
    splitting: BUNDLING.splitting,
    target: BUNDLING.target,
    minify: BUNDLING.minify,
    sourcemap: BUNDLING.sourceMap,
    sourcesContent: BUNDLING.sourcesContent,
    mainFields: [...BUNDLING.mainFields],
    banner: { js: BUNDLING.banner },
    logLevel: 'warning',
  };
}

/** Where the builds are made: a fixed place under the project (see `bundleFunction`). */
const BUILDS = join(PROJECT_ROOT, 'node_modules', '.cache', 'service-functions');

/** The output of one esbuild run over many entries: each entry's output file and every file it loads. */
interface BuildSet {
  dir: string;
  /** Entry (as given) -> its output file's name and the chunks it imports, statically or dynamically. */
  files: Map<string, { entryFile: string; chunks: string[] }>;
}

let current: BuildSet | undefined;

/** Every handler of the project: each file directly under functions/. */
function projectEntries(): string[] {
  return readdirSync(join(PROJECT_ROOT, 'functions'))
    .filter((name) => name.endsWith('.ts'))
    .map((name) => `functions/${name}`);
}

/**
 * Builds `entries` in one esbuild run, with the options of `esbuildOptions`: the project's source files and the SDK
 * are parsed once for all functions instead of once per function (47 functions: about 1.5 s instead of 85 s on the
 * benchmark machine). Code that several functions use goes into chunks they share; a function's asset is its entry
 * file and the chunks it loads, nothing else (`bundleFunction`).
 */
function buildAll(entries: readonly string[]): BuildSet {
  mkdirSync(BUILDS, { recursive: true });
  // `build-` and six random characters: always the same depth, so the source maps' relative paths do not change.
  const dir = mkdtempSync(join(BUILDS, 'build-'));
  // Named after their files (functions/get-device.ts: functions_get-device.mjs), renamed index.mjs when copied.
  const names = new Map(
    entries.map((entry) => [
      entry,
      relative(PROJECT_ROOT, join(PROJECT_ROOT, entry))
        .replace(/\.ts$/, '')
        .replace(/[^\w-]/g, '_'),
    ]),
  );
  const options = esbuildOptions(entries[0]!, dir);
  const result = buildSync({
    ...options,
    absWorkingDir: PROJECT_ROOT,
    entryPoints: Object.fromEntries(
      [...names].map(([entry, name]) => [name, isAbsolute(entry) ? entry : join(PROJECT_ROOT, entry)]),
    ),
    metafile: true,
  });
  const outputs = result.metafile!.outputs;
  const loads = (file: string): string[] =>
    (outputs[relative(PROJECT_ROOT, join(dir, file))]?.imports ?? [])
      .filter((imported) => !imported.external)
      .map((imported) => relative(dir, join(PROJECT_ROOT, imported.path)));
  const files = new Map<string, { entryFile: string; chunks: string[] }>();
  for (const [entry, name] of names) {
    const entryFile = `${name}.mjs`;
    const chunks = new Set<string>();
    const pending = loads(entryFile);
    while (pending.length > 0) {
      const chunk = pending.pop()!;
      if (chunks.has(chunk)) continue;
      chunks.add(chunk);
      pending.push(...loads(chunk));
    }
    files.set(entry, { entryFile, chunks: [...chunks].sort() });
  }
  return { dir, files };
}

/** The build holding `entries`: the project's handlers built once per process, rebuilt only for entries outside it. */
function buildHolding(entries: readonly string[]): BuildSet {
  if (!current || entries.some((entry) => !current!.files.has(entry))) {
    if (current) rmSync(current.dir, { recursive: true, force: true });
    const all = new Set([...projectEntries(), ...(current?.files.keys() ?? []), ...entries]);
    current = buildAll([...all].sort());
  }
  return current;
}

process.once('exit', () => {
  if (current) rmSync(current.dir, { recursive: true, force: true });
});

/**
 * Writes one function into `outputDir`: its entry file as `index.mjs`, the chunks it loads, and their source maps.
 * The same sources give the same files wherever `outputDir` is: the build is made at a fixed place under the project,
 * because esbuild's source maps name each source relative to the directory they are written to, and chunk names hash
 * the maps in (an unchanged function would otherwise get a new asset hash, and be redeployed, whenever `cdk synth
 * --output` pointed elsewhere).
 */
export function bundleFunction(entry: string, outputDir: string): void {
  const build = buildHolding([entry]);
  const { entryFile, chunks } = build.files.get(entry)!;
  mkdirSync(outputDir, { recursive: true });
  const code = readFileSync(join(build.dir, entryFile), 'utf8').replace(
    `//# sourceMappingURL=${entryFile}.map`,
    `//# sourceMappingURL=${FUNCTION_ENTRY_FILE}.map`,
  );
  writeFileSync(join(outputDir, FUNCTION_ENTRY_FILE), code);
  copyFileSync(join(build.dir, `${entryFile}.map`), join(outputDir, `${FUNCTION_ENTRY_FILE}.map`));
  for (const chunk of chunks) {
    copyFileSync(join(build.dir, chunk), join(outputDir, chunk));
    copyFileSync(join(build.dir, `${chunk}.map`), join(outputDir, `${chunk}.map`));
  }
}

/**
 * Writes several functions, each as `bundleFunction` writes it, from one build that holds them all (the bench builds
 * its reference handlers beside the project's this way, with one esbuild run instead of one per reference).
 */
export function bundleFunctions(targets: ReadonlyArray<{ entry: string; outputDir: string }>): void {
  buildHolding(targets.map((target) => target.entry));
  for (const target of targets) bundleFunction(target.entry, target.outputDir);
}

/**
 * The one way this project makes a Lambda function: Node.js 24 on arm64, bundled locally by esbuild as minified ESM
 * with source maps, X-Ray tracing, and a log group with a fixed retention. Its role starts empty: no managed policy,
 * only the right to write to its own log group; everything else is granted by whoever wires the function.
 */
export class ServiceFunction extends lambda.Function {
  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention: logs.RetentionDays.ONE_MONTH });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${id}`,
    });
    // Instead of AWSLambdaBasicExecutionRole (which may write to every log group): streams of its own group only.
    logGroup.grantWrite(role);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray PutTraceSegments and PutTelemetryRecords have no resource-level permissions (Resource must be *); ' +
        'for the stream relay also dynamodb:ListStreams and for the rotation functions ' +
        'secretsmanager:GetRandomPassword, which have none either. test/cdk/deployable.test.ts checks that no other ' +
        'action is granted on *.',
    });
    const settings: lambda.FunctionProps = {
      code: lambda.Code.fromAsset(PROJECT_ROOT, {
        // The asset is what esbuild writes; its hash is that output's, so an unchanged function is not redeployed.
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          local: {
            tryBundle(outputDir) {
              bundleFunction(props.entry, outputDir);
              return true;
            },
          },
          // Never pulled: the local bundling above always succeeds or throws. Should the CDK ever fall back to Docker,
          // the command says why it cannot work rather than running the image's default command.
          image: FUNCTION_RUNTIME.bundlingImage,
          command: [
            'sh',
            '-c',
            'echo "functions are bundled by esbuild in the CDK app (lib/service-function.ts)" >&2; exit 1',
          ],
          // Every function bundles from the project root, and CDK's asset cache keys on these options: the entry
          // tells one function's build from another's.
          environment: { FUNCTION_ENTRY: props.entry },
        },
      }),
      handler: `${FUNCTION_ENTRY_FILE.replace(/\.mjs$/, '')}.handler`,
      runtime: FUNCTION_RUNTIME,
      role,
      architecture: FUNCTION_ARCHITECTURE,
      memorySize: FUNCTION_MEMORY_MB,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      ...(props.description ? { description: props.description } : {}),
      environment: { ...props.environment },
    };
    super(scope, id, settings);
  }
}
