/**
 * The static part of the environment the route and workflow functions read, set on this process
 * before any of them is imported (Powertools reads its settings when its logger and metrics are
 * created): a region and placeholder credentials for the SDK clients (the local servers check
 * none), no X-Ray segments, no CloudWatch metric lines, warnings and errors in the log unless
 * SLIPWAY_LOG_LEVEL says otherwise. Import it first. The endpoints and table names follow once
 * the local servers listen (control-plane.ts).
 */
Object.assign(process.env, {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  POWERTOOLS_TRACE_ENABLED: 'false',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: process.env.SLIPWAY_LOG_LEVEL ?? 'WARN',
});
