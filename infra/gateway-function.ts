import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type BundlingOptions, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { PROJECT_ROOT } from './project-root.js';

/**
 * The esbuild options every function is bundled with; the benchmark builds the same bundle.
 * ESM, as the functions are written and as the cold starts were measured; the banner gives
 * bundled CommonJS code its `require`.
 */
export const BUNDLING: BundlingOptions = {
  minify: true,
  sourceMap: true,
  // Stack traces map to the TypeScript; the sources themselves need not ride along (a smaller
  // map is parsed faster under --enable-source-maps).
  sourcesContent: false,
  format: OutputFormat.ESM,
  target: 'node24',
  mainFields: ['module', 'main'],
  banner: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  // The AWS SDK is bundled, not taken from the runtime: one pinned version, tested here, and a
  // faster cold start (one tree-shaken file instead of many CommonJS modules; see README Performance).
  externalModules: [],
};

export interface GatewayFunctionProps extends Omit<NodejsFunctionProps, 'entry'> {
  /** Relative to the project root. */
  entry: string;
  logRetention?: RetentionDays;
}

/** A Lambda with the gateway's defaults: Node.js 24 on arm64, minified ESM with source maps, explicit log retention. */
export class GatewayFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: GatewayFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    super(scope, id, {
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: 1024,
      timeout: Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      logGroup,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      ...props,
      entry: path.join(PROJECT_ROOT, props.entry),
      bundling: { ...BUNDLING, ...props.bundling },
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_METRICS_NAMESPACE: 'PaymentsWebhookGateway',
        ...props.environment,
      },
    });
  }
}
