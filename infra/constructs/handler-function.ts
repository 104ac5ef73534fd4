import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** Repository root, resolved from this file so the app synthesizes from any working directory. */
export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface HandlerFunctionProps {
  /** Handler file under `functions/handlers/`, without extension (e.g. `record-phase`). */
  readonly handler: string;
  /** Powertools service name and metric namespace dimension. */
  readonly serviceName: string;
  /** Extra environment variables (never secrets: those come from Secrets Manager). */
  readonly environment?: Record<string, string>;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * A Slipway Lambda: Node.js 22 on arm64, bundled by the local esbuild as minified, tree-shaken ESM
 * (the AWS SDK v3 clients come from the runtime), X-Ray tracing on, and its own log group with an
 * explicit retention.
 */
export class HandlerFunction extends nodejs.NodejsFunction {
  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // An explicit role instead of AWSLambdaBasicExecutionRole: it may write to its own log group only.
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Slipway ${props.handler} handler`,
    });
    logGroup.grantWrite(role);
    super(scope, id, {
      role,
      entry: path.join(REPO_ROOT, 'functions', 'handlers', `${props.handler}.ts`),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: 'Slipway',
        ...props.environment,
      },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        minify: true,
        sourceMap: false,
        target: 'node22',
        mainFields: ['module', 'main'],
        // The nodejs22.x runtime ships AWS SDK v3; bundling it too would triple every bundle
        // (about 800 KB against 220 KB, mostly @smithy/core) and break the 250 KB budget.
        bundleAwsSDK: false,
        // ESM bundles still meet CommonJS dependencies that call require(); give them one.
        banner:
          "import { createRequire as __slipwayRequire } from 'node:module'; const require = __slipwayRequire(import.meta.url);",
      },
    });
  }
}
