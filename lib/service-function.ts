import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface ServiceFunctionProps {
  /** Path of the handler file, relative to the project root. */
  entry: string;
  environment?: Record<string, string>;
  timeout?: Duration;
  description?: string;
}

/**
 * The one way this project makes a Lambda function: Node.js 22 on arm64, bundled locally by esbuild as minified ESM
 * with source maps, X-Ray tracing, and a log group with a fixed retention.
 */
export class ServiceFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention: logs.RetentionDays.ONE_MONTH });
    const settings: NodejsFunctionProps = {
      entry: join(PROJECT_ROOT, props.entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      ...(props.description ? { description: props.description } : {}),
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        // The SDK is bundled, not taken from the runtime, so deployed code runs the versions the lockfile pins.
        externalModules: [],
        mainFields: ['module', 'main'],
        banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
        forceDockerBundling: false,
      },
    };
    super(scope, id, settings);
  }
}
