import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpNoneAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ApiRoute, HookRoute } from '../../functions/handlers/api/routes.js';
import { HandlerFunction } from './handler-function.js';
import type { IdempotencyStore } from './idempotency-store.js';
import type { ItemAction, StateStore } from './state-store.js';

/** What starts workflow runs: `ProvisioningWorkflow` (sets STATE_MACHINE_ARN and grants StartExecution). */
export interface RunStarter {
  grantStart(fn: lambda.Function): iam.Grant;
}

/** Requests per second (steady) and burst, as API Gateway throttles them. */
export interface Throttle {
  readonly rate: number;
  readonly burst: number;
}

export interface HttpApiProps {
  /** One route and one function per entry (`API_ROUTES` in the stack). */
  readonly routes: readonly ApiRoute[];
  /** The JWT issuer (`iss`) the authorizer trusts. */
  readonly issuer: string;
  /** The accepted `aud` / `client_id` values. */
  readonly audience: readonly string[];
  readonly stateStore: StateStore;
  readonly idempotency: IdempotencyStore;
  readonly workflow: RunStarter;
  /** Browser origins allowed by CORS (`https://console.example.com`). @default none: CORS off */
  readonly corsOrigins?: readonly string[];
  /** Stage-wide throttle for requests that match no route's own setting. @default 25 rps, burst 50 */
  readonly defaultThrottle?: Throttle;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly accessLogRetention?: logs.RetentionDays;
  /**
   * Webhook routes: no JWT authorizer (each hook checks its sender's signature or token itself),
   * one function each with the table access its entry names. @default none
   */
  readonly hookRoutes?: readonly HookRoute[];
  /** Adds what a hook's function needs beyond the table (secrets, the alert topic). */
  readonly configureHook?: (route: HookRoute, fn: HandlerFunction) => void;
}

const ACCESS: Readonly<Record<ApiRoute['table'], ItemAction[]>> = {
  read: ['GetItem', 'Query'],
  'read-write': ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
};

/**
 * One access-log line per request. Who (the JWT subject, the source IP), what (route, status) and
 * how long; never a header or a body, so no bearer token and no spec reaches the logs.
 */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  routeKey: '$context.routeKey',
  status: '$context.status',
  latency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  responseLength: '$context.responseLength',
  subject: '$context.authorizer.claims.sub',
  authorizerError: '$context.authorizer.error',
  integrationError: '$context.integrationErrorMessage',
});

/** `list-organizations` → `ListOrganizations`, for construct ids. */
const pascal = (id: string) =>
  id
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');

/**
 * Slipway's HTTP API (v1): an API Gateway HTTP API whose every route needs a JWT from the trusted
 * issuer, each route backed by its own function with only the rights its entry in the route table
 * names (table read or read-write, starting runs, idempotency records). Access logs in JSON,
 * throttling per route, CORS only for the configured origins.
 */
export class HttpApi extends Construct {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  /** Route id → its function. */
  readonly functions: Readonly<Record<string, HandlerFunction>>;
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    const authorizer = new HttpJwtAuthorizer('JwtAuthorizer', props.issuer, {
      jwtAudience: [...props.audience],
      identitySource: ['$request.header.Authorization'],
    });
    this.api = new apigwv2.HttpApi(this, 'Api', {
      description: 'Slipway HTTP API (v1): organizations, environments, runs, alerts, audit',
      createDefaultStage: false,
      defaultAuthorizer: authorizer,
      corsPreflight: props.corsOrigins?.length
        ? {
            allowOrigins: [...props.corsOrigins],
            allowMethods: [
              apigwv2.CorsHttpMethod.GET,
              apigwv2.CorsHttpMethod.PUT,
              apigwv2.CorsHttpMethod.POST,
              apigwv2.CorsHttpMethod.DELETE,
            ],
            allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key'],
            maxAge: Duration.hours(1),
          }
        : undefined,
    });

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const defaultThrottle = props.defaultThrottle ?? { rate: 25, burst: 50 };
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: defaultThrottle.rate, burstLimit: defaultThrottle.burst },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        format: apigateway.AccessLogFormat.custom(ACCESS_LOG_FORMAT),
      },
    });

    const functions: Record<string, HandlerFunction> = {};
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
    const cfnStage = this.stage.node.defaultChild as apigwv2.CfnStage;
    for (const route of props.routes) {
      const fn = this.routeFunction(route, props);
      functions[route.id] = fn;
      const [created] = this.api.addRoutes({
        path: route.path,
        methods: [apigwv2.HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${pascal(route.id)}Integration`, fn),
      });
      routeSettings[`${route.method} ${route.path}`] = {
        ThrottlingRateLimit: route.throttle.rate,
        ThrottlingBurstLimit: route.throttle.burst,
      };
      // Route settings name route keys: the stage may only be updated once its routes exist.
      if (created) cfnStage.node.addDependency(created);
    }
    for (const route of props.hookRoutes ?? []) {
      const fn = new HandlerFunction(this, `${pascal(route.id)}Function`, {
        handler: route.handler,
        serviceName: 'slipway-hooks',
      });
      props.stateStore.grantItems(fn, ...ACCESS[route.table]);
      props.configureHook?.(route, fn);
      functions[route.id] = fn;
      const [created] = this.api.addRoutes({
        path: route.path,
        methods: [apigwv2.HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${pascal(route.id)}Integration`, fn),
        authorizer: new HttpNoneAuthorizer(),
      });
      if (created) {
        Validations.of(created).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            'A webhook: its sender (a Git host, a cluster) has no JWT; the function checks a signature or the per-environment token in constant time before it reads the body.',
        });
      }
      routeSettings[`${route.method} ${route.path}`] = {
        ThrottlingRateLimit: route.throttle.rate,
        ThrottlingBurstLimit: route.throttle.burst,
      };
      if (created) cfnStage.node.addDependency(created);
    }
    cfnStage.routeSettings = routeSettings;
    this.functions = functions;
    this.routeSettings = routeSettings;
    this.stateStore = props.stateStore;
  }

  private readonly routeSettings: Record<
    string,
    { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }
  >;
  private readonly stateStore: StateStore;

  /**
   * A webhook route (HOOK_ROUTES): its own function with the table access its entry names, the
   * route without the JWT authorizer (the hook authenticates its sender itself) and its throttle.
   * The caller grants what the hook feeds (an event bus, a topic) and its secret.
   */
  addHookRoute(route: HookRoute): HandlerFunction {
    const fn = new HandlerFunction(this, `${pascal(route.id)}Function`, {
      handler: route.handler,
      serviceName: 'slipway-hooks',
    });
    this.stateStore.grantItems(fn, ...ACCESS[route.table]);
    const [created] = this.api.addRoutes({
      path: route.path,
      methods: [apigwv2.HttpMethod[route.method]],
      integration: new HttpLambdaIntegration(`${pascal(route.id)}Integration`, fn),
      authorizer: new apigwv2.HttpNoneAuthorizer(),
    });
    this.routeSettings[`${route.method} ${route.path}`] = {
      ThrottlingRateLimit: route.throttle.rate,
      ThrottlingBurstLimit: route.throttle.burst,
    };
    const cfnStage = this.stage.node.defaultChild as apigwv2.CfnStage;
    cfnStage.routeSettings = { ...this.routeSettings };
    if (created) {
      cfnStage.node.addDependency(created);
      Validations.of(created).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'A webhook route: GitHub, GitLab and clusters cannot present a JWT; the function authenticates each delivery (HMAC signature or token, constant time) before reading it.',
      });
    }
    return fn;
  }

  /** The stage's invoke URL, with no trailing slash. */
  get url(): string {
    return this.api.apiEndpoint;
  }

  private routeFunction(route: ApiRoute, props: HttpApiProps): HandlerFunction {
    const fn = new HandlerFunction(this, `${pascal(route.id)}Function`, {
      handler: route.handler,
      serviceName: 'slipway-api',
    });
    props.stateStore.grantItems(fn, ...ACCESS[route.table]);
    if (route.startsRuns) props.workflow.grantStart(fn);
    if (route.idempotent) props.idempotency.grantIdempotency(fn);
    return fn;
  }
}
