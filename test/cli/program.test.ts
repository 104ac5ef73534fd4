/**
 * The CLI's wiring, in-process: commands, flags, output formats and exit codes against a small
 * HTTP server on 127.0.0.1 that answers recorded API responses. (The CLI against the real
 * handlers, as a child process, is cli-e2e.test.ts.)
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../local/cli/program.js';
import type { CliIo } from '../../local/cli/session.js';
import { closeServer, listenOnLoopback } from '../support/loopback.js';
import { FAILING_RUN, RESUMED_RUN, T0 } from './recorded-runs.js';

interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

class Capture extends Writable {
  text = '';
  constructor(
    readonly isTTY: boolean,
    readonly size: { columns?: number; rows?: number } = { columns: 120, rows: 40 },
  ) {
    super();
  }
  get columns() {
    return this.size.columns;
  }
  get rows() {
    return this.size.rows;
  }
  override _write(chunk: Buffer, _: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const TOKEN = 'header.payload.signature-never-printed';

describe('slipway (in-process)', () => {
  const requests: Recorded[] = [];
  const answers = new Map<string, { status: number; body: unknown }[]>();
  let endpoint = '';
  let stop: () => Promise<void>;

  beforeAll(async () => {
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        const key = `${request.method} ${(request.url ?? '').split('?')[0]}`;
        requests.push({
          method: request.method ?? '',
          url: request.url ?? '',
          headers: request.headers,
          body,
        });
        const queue = answers.get(key) ?? [];
        const answer = queue.length > 1 ? queue.shift() : queue[0];
        // Status 0: the connection is dropped without an answer, as a reset or a crashed proxy would.
        if (answer?.status === 0) {
          request.socket.destroy();
          return;
        }
        response.writeHead(answer?.status ?? 404, { 'content-type': 'application/json' });
        response.end(JSON.stringify(answer?.body ?? { message: 'Not Found' }));
      });
    });
    endpoint = await listenOnLoopback(server);
    stop = () => closeServer(server);
  });
  afterAll(() => stop());
  beforeEach(() => {
    requests.length = 0;
    answers.clear();
  });

  const answer = (key: string, ...replies: { status: number; body: unknown }[]) => answers.set(key, replies);

  async function cli(
    args: string[],
    options: { tty?: boolean; size?: { columns?: number; rows?: number }; env?: Record<string, string> } = {},
  ) {
    const stdout = new Capture(options.tty ?? false, options.size);
    const stderr = new Capture(false);
    let now = T0;
    const io: CliIo = {
      stdout,
      stderr,
      env: { SLIPWAY_ENDPOINT: endpoint, SLIPWAY_TOKEN: TOKEN, ...options.env },
      clock: {
        now: () => now,
        sleep: async (ms) => {
          now += ms;
        },
      },
      randomId: () => '00000000-0000-4000-8000-000000000001',
      readStdin: async () => '',
    };
    const code = await runCli(args, io);
    return { code, stdout: stdout.text, stderr: stderr.text };
  }

  const environmentAnswers = () =>
    FAILING_RUN.map(({ snapshot }) => ({
      status: 200,
      body: { ...snapshot.environment, currentRun: snapshot.run },
    }));

  it('prints one line per change when stdout is not a terminal, and exits 1 when the run fails', async () => {
    answer('GET /v1/orgs/acme/environments/prod', ...environmentAnswers());

    const { code, stdout } = await cli(['status', 'acme/prod', '--watch', '--interval', '10ms']);

    expect(code).toBe(1);
    const lines = stdout.trimEnd().split('\n');
    expect(lines.filter((line) => line.includes('terraform RUNNING'))).toHaveLength(2);
    expect(stdout).toContain('ansible failed: ansible-playbook site.yml: exit status 2');
    expect(stdout).toContain('log: https://console.aws.amazon.com/');
    expect(stdout).not.toContain('\u001b[');
    expect(requests.every((request) => request.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('redraws the frame in place on a terminal', async () => {
    answer('GET /v1/orgs/acme/environments/prod', ...environmentAnswers());

    const { code, stdout } = await cli(['status', 'acme/prod', '--watch', '--interval', '10ms'], {
      tty: true,
    });

    expect(code).toBe(1);
    // log-update erases the previous frame (cursor up + erase line) before drawing the next.
    expect(stdout).toContain('\u001b[2K');
    expect(stdout).toContain('ansible failed: ansible-playbook site.yml: exit status 2');
  });

  it('prints one line per change on a terminal that reports no size (0 rows, or none), where a redraw shows nothing', async () => {
    for (const size of [{ columns: 0, rows: 0 }, {}]) {
      answer('GET /v1/orgs/acme/environments/prod', ...environmentAnswers());

      const { code, stdout } = await cli(['status', 'acme/prod', '--watch', '--interval', '10ms'], {
        tty: true,
        size,
      });

      expect(code).toBe(1);
      expect(stdout).not.toContain('\u001b[2K');
      const lines = stdout.trimEnd().split('\n');
      expect(lines.filter((line) => line.includes('terraform RUNNING'))).toHaveLength(2);
      expect(stdout).toContain('ansible failed: ansible-playbook site.yml: exit status 2');
    }
  });

  it('exits 0 when the watched run ends READY, and 4 when the deadline comes first', async () => {
    answer('GET /v1/orgs/acme/environments/prod', {
      status: 200,
      body: { ...RESUMED_RUN.environment, currentRun: RESUMED_RUN.run },
    });
    const ready = await cli(['status', 'acme/prod', '--watch']);
    answer('GET /v1/orgs/acme/environments/prod', ...environmentAnswers().slice(0, 1));
    const late = await cli(['status', 'acme/prod', '--watch', '--interval', '1s', '--deadline', '5s']);

    expect(ready.code).toBe(0);
    expect(late.code).toBe(4);
    expect(late.stderr).toContain('watch deadline reached after 5s');
  });

  it('provisions with the spec as JSON, an Idempotency-Key, and prints the phase plan', async () => {
    answer('PUT /v1/orgs/acme/environments/prod', {
      status: 202,
      body: {
        runId: 'acme.prod.000002.1a2b3c4d',
        plan: {
          startAt: 'argocd-bootstrap',
          phases: [
            { phase: 'terraform', action: 'skip', reason: 'inputs unchanged' },
            { phase: 'ansible', action: 'skip', reason: 'inputs unchanged' },
            { phase: 'argocd-bootstrap', action: 'run', reason: 'namespaces changed' },
          ],
        },
        environment: { organization: 'acme', environment: 'prod', status: 'PROVISIONING' },
      },
    });
    const file = new URL('./fixtures/spec.yaml', import.meta.url).pathname;

    const { code, stdout } = await cli(['provision', 'acme/prod', '-f', file, '--idempotency-key', 'k-1']);

    expect(code).toBe(0);
    const [put] = requests;
    expect(put?.headers['idempotency-key']).toBe('k-1');
    expect(put?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(put?.body ?? '')).toMatchObject({ tier: 'prod', namespaces: [{ name: 'payments' }] });
    expect(stdout).toContain('run acme.prod.000002.1a2b3c4d accepted');
    expect(stdout).toContain('skip terraform — inputs unchanged');
    expect(stdout).toContain('run  argocd-bootstrap — namespaces changed');
  });

  it('sends a random Idempotency-Key when none is given', async () => {
    answer('DELETE /v1/orgs/acme/environments/prod', {
      status: 202,
      body: { runId: 'r', environment: { organization: 'acme', environment: 'prod', status: 'DELETING' } },
    });

    await cli(['teardown', 'acme/prod']);

    expect(requests[0]?.headers['idempotency-key']).toBe('00000000-0000-4000-8000-000000000001');
    expect(requests[0]?.body).toBe('');
  });

  it('lists alerts with their links and the audit trail as tables, and says where the next page starts', async () => {
    answer('GET /v1/orgs/acme/alerts', {
      status: 200,
      body: {
        items: [
          {
            kind: 'phase.failed',
            severity: 'critical',
            environment: 'prod',
            summary: 'Phase ansible failed for acme/prod',
            links: [{ label: 'build log', url: 'https://logs.example/b-2' }],
            occurredAt: '2026-12-01T20:00:07.000Z',
            delivery: {
              status: 'pending',
              attempts: 2,
              lastError: 'ThrottlingException: Rate exceeded',
              nextAttemptAt: '2026-12-01T20:01:07.000Z',
            },
          },
          {
            kind: 'run.interrupted',
            severity: 'warning',
            environment: 'dev',
            summary: 'Run interrupted for acme/dev',
            links: [],
            occurredAt: '2026-12-01T19:00:00.000Z',
            delivery: { status: 'delivered', attempts: 1, deliveredAt: '2026-12-01T19:00:01.000Z' },
          },
        ],
        cursor: 'next-1',
      },
    });
    answer('GET /v1/orgs/acme/audit', {
      status: 200,
      body: {
        items: [
          {
            at: '2026-12-01T20:00:00.000Z',
            actor: 'alice',
            action: 'environment.provision-requested',
            environment: 'prod',
            detail: { specHash: '1a2b3c4d' },
          },
        ],
      },
    });

    const alerts = await cli(['alerts', 'acme']);
    const audit = await cli(['audit', 'acme', '--limit', '5']);

    expect(alerts.stdout.split('\n')).toEqual([
      'OCCURRED                  SEVERITY  KIND             ENVIRONMENT  DELIVERY            SUMMARY',
      '2026-12-01T20:00:07.000Z  critical  phase.failed     prod         pending (2 failed)  Phase ansible failed for acme/prod',
      '2026-12-01T19:00:00.000Z  warning   run.interrupted  dev          delivered           Run interrupted for acme/dev',
      '  2026-12-01T20:00:07.000Z build log: https://logs.example/b-2',
      '  2026-12-01T20:00:07.000Z delivery failed: ThrottlingException: Rate exceeded; next attempt 2026-12-01T20:01:07.000Z',
      'more: add --cursor next-1',
      '',
    ]);
    expect(audit.stdout).toContain('alice  environment.provision-requested  prod         specHash=1a2b3c4d');
    expect(requests.map((request) => request.url)).toEqual([
      '/v1/orgs/acme/alerts',
      '/v1/orgs/acme/audit?limit=5',
    ]);
  });

  it("lists a shared cluster's own alerts as a table, a page at a time, and as JSON with --output json", async () => {
    const page = {
      items: [
        {
          kind: 'phase.failed',
          severity: 'critical',
          organization: 'cluster',
          environment: 'shared-eu',
          summary: 'Phase ansible failed for cluster/shared-eu',
          links: [],
          occurredAt: '2026-12-02T01:00:00.000Z',
        },
      ],
      cursor: 'next-2',
    };
    answer('GET /v1/clusters/shared-eu/alerts', { status: 200, body: page });

    const shown = await cli(['clusters', 'alerts', 'shared-eu', '--limit', '1']);
    const json = await cli(['clusters', 'alerts', 'shared-eu', '--output', 'json', '--cursor', 'next-2']);

    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(
      'critical  phase.failed  shared-eu    -         Phase ansible failed for cluster/shared-eu',
    );
    expect(shown.stdout).toContain('more: add --cursor next-2');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(page);
    answer('GET /v1/clusters', { status: 200, body: { items: [] } });
    expect((await cli(['clusters', 'list', '--limit', '2'])).stdout).toContain('no clusters');
    expect(requests.map((request) => request.url)).toEqual([
      '/v1/clusters/shared-eu/alerts?limit=1',
      '/v1/clusters/shared-eu/alerts?cursor=next-2',
      '/v1/clusters?limit=2',
    ]);
  });

  it('shows cluster capacity with both sides of each resource in one unit, none for a DELETED cluster', async () => {
    const resources = (cpu: string, memory: string, pods: number) => ({ cpu, memory, pods });
    answer('GET /v1/clusters', {
      status: 200,
      body: {
        items: [
          {
            cluster: 'shared-eu',
            status: 'READY',
            capacity: {
              limit: resources('14190m', '27648Mi', 440),
              granted: resources('12', '24Gi', 100),
              available: resources('2190m', '3Gi', 340),
            },
            tenants: [],
          },
          { cluster: 'torn-down', status: 'DELETED', tenants: [] },
        ],
      },
    });

    const shown = await cli(['clusters', 'list']);

    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('cpu 12/14.19, memory 24Gi/27Gi, pods 100/440');
    // A DELETED cluster has no capacity: its row says so with a dash.
    expect(shown.stdout).toMatch(/torn-down\s+DELETED\s+0\s+-\s+-/);
  });

  it('prints only JSON on stdout with --output json', async () => {
    answer('GET /v1/orgs', { status: 200, body: { items: [{ organization: 'acme' }], cursor: 'c2' } });

    const { code, stdout } = await cli(['orgs', '--output', 'json', '--limit', '1']);

    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ items: [{ organization: 'acme' }], cursor: 'c2' });
    expect(requests[0]?.url).toBe('/v1/orgs?limit=1');
  });

  it('prints an API refusal with its code, message and fields, exit 3; as JSON with --output json', async () => {
    const refusal = {
      status: 400,
      body: {
        error: {
          code: 'validation.failed',
          message: 'the body is invalid: network.podCidr: overlaps network.vpcCidr',
          details: [{ field: 'network.podCidr', message: 'network.podCidr: overlaps network.vpcCidr' }],
        },
      },
    };
    answer('PUT /v1/orgs/acme/environments/prod', refusal);
    const file = new URL('./fixtures/spec.yaml', import.meta.url).pathname;

    const text = await cli(['provision', 'acme/prod', '-f', file]);
    const json = await cli(['provision', 'acme/prod', '-f', file, '-o', 'json']);

    expect(text.code).toBe(3);
    expect(text.stderr).toContain('error: 400 validation.failed: the body is invalid');
    expect(text.stderr).toContain('  - network.podCidr: overlaps network.vpcCidr');
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toEqual({ status: 400, error: refusal.body.error });
    expect(text.stderr + text.stdout + json.stdout).not.toContain(TOKEN);
  });

  it('answers usage errors with exit 2 before sending anything', async () => {
    const results = await Promise.all([
      cli(['provision', 'acme', '-f', 'x.yaml']),
      cli(['provision', 'acme/prod']),
      cli(['status', 'acme/prod', '--watch', '--interval', 'soon']),
      cli(['nonsense']),
      cli(['orgs', '--output', 'xml']),
      cli(['orgs'], { env: { SLIPWAY_TOKEN: '' } }),
    ]);

    expect(results.map((result) => result.code)).toEqual([2, 2, 2, 2, 2, 2]);
    expect(results[0]?.stderr).toContain('"acme" is not <org>/<env>');
    expect(results[1]?.stderr).toContain("required option '-f, --file <path>' not specified");
    expect(results[2]?.stderr).toContain('--interval: "soon" is not a duration');
    expect(results[5]?.stderr).toContain('no token: set SLIPWAY_TOKEN');
    expect(requests).toHaveLength(0);
  });

  it('refuses --watch on an organization and --limit/--cursor on one environment or one run, sending nothing', async () => {
    const results = await Promise.all([
      cli(['status', 'acme', '--watch']),
      cli(['status', 'acme/prod', '--limit', '5']),
      cli(['status', 'acme/prod', '--cursor', 'c']),
      cli(['runs', 'acme/prod', 'acme.prod.000001.1a2b3c4d', '--limit', '5']),
    ]);

    expect(results.map((result) => result.code)).toEqual([2, 2, 2, 2]);
    expect(results[0]?.stderr).toContain(
      "error: --watch follows one environment's run: give <org>/<env> (slipway status acme/<env> --watch)",
    );
    expect(results[1]?.stderr).toContain(
      'error: --limit and --cursor page a list: status acme/prod shows one',
    );
    expect(results[2]?.stderr).toContain('error: --limit and --cursor page a list');
    expect(results[3]?.stderr).toContain('shows one run');
    expect(requests).toHaveLength(0);
  });

  it("prints the package's version with --version", async () => {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

    const { code, stdout } = await cli(['--version']);

    expect(code).toBe(0);
    expect(stdout.trim()).toBe(manifest.version);
    expect(requests).toHaveLength(0);
  });

  const ACCEPTED = {
    status: 202,
    body: {
      runId: 'acme.prod.000002.1a2b3c4d',
      environment: { organization: 'acme', environment: 'prod', status: 'PROVISIONING' },
    },
  };
  const UNAVAILABLE = { status: 503, body: { message: 'Service Unavailable' } };

  it('sends a provision again with the same Idempotency-Key after a 503 or a dropped connection', async () => {
    const file = new URL('./fixtures/spec.yaml', import.meta.url).pathname;
    for (const failure of [
      UNAVAILABLE,
      { status: 502, body: { message: 'Bad Gateway' } },
      { status: 0, body: null },
    ]) {
      requests.length = 0;
      answer('PUT /v1/orgs/acme/environments/prod', failure, ACCEPTED);

      const { code, stdout } = await cli(['provision', 'acme/prod', '-f', file]);

      expect(code, `after ${failure.status}`).toBe(0);
      expect(stdout).toContain('run acme.prod.000002.1a2b3c4d accepted');
      expect(requests.map((request) => request.method)).toEqual(['PUT', 'PUT']);
      const keys = requests.map((request) => request.headers['idempotency-key']);
      expect(keys[0]).toBe('00000000-0000-4000-8000-000000000001');
      expect(keys[1]).toBe(keys[0]);
      expect(requests[1]?.body).toBe(requests[0]?.body);
    }
  });

  it('gives up after three attempts in all, and never repeats a refusal', async () => {
    answer('DELETE /v1/orgs/acme/environments/prod', UNAVAILABLE);
    const down = await cli(['teardown', 'acme/prod']);
    const attempts = requests.length;
    requests.length = 0;
    answer('POST /v1/orgs/acme/environments/prod/runs', {
      status: 409,
      body: { error: { code: 'environment.busy', message: 'busy', details: {} } },
    });
    const busy = await cli(['resume', 'acme/prod']);

    expect(down.code).toBe(3);
    expect(down.stderr).toContain('Service Unavailable');
    expect(attempts).toBe(3);
    expect(busy.code).toBe(3);
    expect(requests).toHaveLength(1);
  });

  it('says when the API cannot be reached, exit 3', async () => {
    const { code, stderr } = await cli(['orgs'], { env: { SLIPWAY_ENDPOINT: 'http://127.0.0.1:9' } });

    expect(code).toBe(3);
    expect(stderr).toContain('cannot reach the Slipway API at http://127.0.0.1:9');
  });
});
