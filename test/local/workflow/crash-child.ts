/**
 * The process the crash test kills with SIGKILL: it publishes one alert through the local alerts
 * topic and starts one execution that waits for an hour, prints `ready` once both calls have
 * returned, and then idles until it is killed. Usage: tsx crash-child.ts <dataDir>
 */
import { createAlert } from '../../../functions/domain/alert.js';
import { createLocalAlertPublisher } from '../../../local/alerts/local-alert-publisher.js';
import { openLocalWorkflowEngine } from '../../../local/workflow/engine.js';
import { noTaskHandlers } from './no-handlers.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: crash-child.ts <dataDir>');

const publisher = createLocalAlertPublisher({ dataDir });
await publisher.publish(
  createAlert({
    kind: 'phase.failed',
    severity: 'critical',
    organization: 'acme',
    environment: 'prod',
    run: 'acme-prod-0001-crash',
    summary: 'published just before the kill',
    detail: '',
    links: [],
    occurredAt: '2026-12-01T20:00:00.000Z',
    dedupKey: 'phase.failed:acme-prod-0001-crash:ansible',
  }),
);
const engine = await openLocalWorkflowEngine({
  definition: { StartAt: 'Hold', States: { Hold: { Type: 'Wait', Seconds: 3600, End: true } } },
  // No Task state: the execution only waits.
  handlers: noTaskHandlers(),
  dataDir,
});
await engine.startExecution({
  name: 'acme-prod-0001-crash',
  input: JSON.stringify({ runId: 'acme-prod-0001-crash' }),
});
process.stdout.write('ready\n');
setInterval(() => undefined, 60_000);
