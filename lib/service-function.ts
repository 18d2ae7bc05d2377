import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { BuildOptions } from 'esbuild';

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
 * How every function is bundled. The stack hands these to NodejsFunction, and `esbuildOptions` turns the same values
 * into esbuild's own options for the benchmark, so the bundle it measures is the bundle that is deployed.
 */
export const BUNDLING = {
  format: OutputFormat.ESM,
  target: `node${FUNCTION_NODE_MAJOR}`,
  minify: true,
  // Shipped beside the bundle and read only when a stack is logged (shared/source-stack.ts). The map names files and
  // lines, without a copy of every source.
  sourceMap: true,
  sourcesContent: false,
  // The SDK is bundled, not taken from the runtime, so deployed code runs the versions the lockfile pins.
  externalModules: [] as string[],
  mainFields: ['module', 'main'],
  banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
} as const;

/**
 * The esbuild build options NodejsFunction derives from `BUNDLING` (its local bundling runs the esbuild CLI with
 * `--bundle --platform=node` plus one flag per setting above), for building a function's bundle outside CDK.
 */
export function esbuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [join(PROJECT_ROOT, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: BUNDLING.format,
    target: BUNDLING.target,
    minify: BUNDLING.minify,
    sourcemap: BUNDLING.sourceMap,
    sourcesContent: BUNDLING.sourcesContent,
    external: [...BUNDLING.externalModules],
    mainFields: [...BUNDLING.mainFields],
    banner: { js: BUNDLING.banner },
  };
}

/**
 * The one way this project makes a Lambda function: Node.js 24 on arm64, bundled locally by esbuild as minified ESM
 * with source maps, X-Ray tracing, and a log group with a fixed retention. Its role starts empty: no managed policy,
 * only the right to write to its own log group; everything else is granted by whoever wires the function.
 */
export class ServiceFunction extends NodejsFunction {
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
    const settings: NodejsFunctionProps = {
      entry: join(PROJECT_ROOT, props.entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
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
      bundling: {
        format: BUNDLING.format,
        target: BUNDLING.target,
        minify: BUNDLING.minify,
        sourceMap: BUNDLING.sourceMap,
        sourcesContent: BUNDLING.sourcesContent,
        externalModules: [...BUNDLING.externalModules],
        mainFields: [...BUNDLING.mainFields],
        banner: BUNDLING.banner,
        forceDockerBundling: false,
      },
    };
    super(scope, id, settings);
  }
}
