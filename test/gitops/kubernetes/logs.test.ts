import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { logGroupPrefix, platformLogGroup, workloadsLogGroup } from '../../../functions/domain/logs.js';
import { renderTenants, type TenantInput } from '../../../gitops/kubernetes/tenants/render.js';
import { requireTool } from '../../support/tools.js';
import { dnsLabel, tenantsOfOneCluster } from './arbitraries.js';
import { type KubeObject, parseYamlObjects, validateWithModel } from './models.js';

/*
 * Logs (gitops/kubernetes/logging): the two Fluent Bit Applications, built for real with kubectl
 * kustomize (once, with a shared cluster's parameters and once with a dedicated one's, as
 * prepare.sh writes them) and validated with kubernetes-models. Then the routing itself: a small
 * model of the part of Fluent Bit the pipeline uses (the kubernetes filter's namespace labels, a
 * rewrite_tag rule, output matching, log_group_template / log_group_name, ${VAR} substitution),
 * run over the pipeline text read from the built Applications, never retyped. What the model
 * assumes of Fluent Bit (a JSON log line is not merged into the record, pods pick no parser) is
 * asserted on the same text. IAM ARN patterns are matched with IAM's glob rules (`*` spans `/`).
 */

const KUBERNETES = path.resolve(import.meta.dirname, '../../../gitops/kubernetes');
const TERRAFORM_LOGS = path.resolve(import.meta.dirname, '../../../gitops/terraform/modules/logs/main.tf');
const CHART_VERSION = /^\d+\.\d+\.\d+$/;
const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';

type Env = Record<string, string>;
interface FluentBitApp {
  readonly name: string;
  readonly spec: {
    project: string;
    source: {
      repoURL: string;
      chart: string;
      targetRevision: string;
      helm: {
        releaseName: string;
        valuesObject: Record<string, unknown> & { env: { name: string; value: string }[] };
      };
    };
    destination: { server: string; namespace: string };
  };
  readonly env: Env;
  readonly config: { inputs: string; filters: string; outputs: string };
}

let workdir = '';
const built: Record<'shared' | 'dedicated', KubeObject[]> = { shared: [], dedicated: [] };

/** The params.env prepare.sh writes (write_logging_params), for one dedicated and one shared cluster. */
const PARAMS = {
  dedicated: {
    REGION,
    WORKLOADS_LOG_GROUP: '/slipway/acme/prod/workloads',
    PLATFORM_LOG_GROUP: '/slipway/acme/prod/platform',
    TENANT_EVENT_NAMESPACES: '^(acme-prod-payments|acme-prod-ledger)$',
    CREATE_TENANT_GROUPS: 'false',
    LOG_RETENTION_DAYS: '14',
  },
  shared: {
    REGION,
    WORKLOADS_LOG_GROUP: '/slipway/cluster/shared-eu/platform',
    PLATFORM_LOG_GROUP: '/slipway/cluster/shared-eu/platform',
    TENANT_EVENT_NAMESPACES: '^_$',
    CREATE_TENANT_GROUPS: 'true',
    LOG_RETENTION_DAYS: '90',
  },
};

beforeAll(() => {
  requireTool('kubectl', 'kubectl 1.32 with its built-in kustomize');
  workdir = mkdtempSync(path.join(tmpdir(), 'slipway-logging-'));
  for (const [kind, params] of Object.entries(PARAMS) as [keyof typeof PARAMS, Env][]) {
    const copy = path.join(workdir, kind);
    cpSync(path.join(KUBERNETES, 'logging'), copy, { recursive: true });
    writeFileSync(
      path.join(copy, 'params.env'),
      Object.entries(params)
        .map(([key, value]) => `${key}=${value}\n`)
        .join(''),
    );
    const result = spawnSync('kubectl', ['kustomize', copy], { encoding: 'utf8', timeout: 30_000 });
    if (result.status !== 0) throw new Error(`kubectl kustomize logging (${kind}): ${result.stderr}`);
    built[kind] = parseYamlObjects(result.stdout);
  }
});

afterAll(() => {
  if (workdir) rmSync(workdir, { recursive: true, force: true });
});

function apps(kind: keyof typeof built): Record<string, FluentBitApp> {
  return Object.fromEntries(
    built[kind].map((object) => {
      const spec = object.spec as FluentBitApp['spec'];
      const values = spec.source.helm.valuesObject;
      const env = Object.fromEntries(values.env.map((entry) => [entry.name, entry.value]));
      return [
        object.metadata.name,
        { name: object.metadata.name, spec, env, config: values.config as FluentBitApp['config'] },
      ];
    }),
  );
}

// ------------------------------------------------------------------ a model of the pipeline

type Value = string | number | boolean | null | undefined | { [key: string]: Value };
type FluentRecord = { [key: string]: Value };

interface Section {
  readonly kind: string;
  readonly props: ReadonlyMap<string, string>;
}

const parsedSections = new Map<string, Section[]>();

/** Classic-mode sections: `[KIND]` then `Key value` lines (keys are case-insensitive). */
function sections(text: string): Section[] {
  const cached = parsedSections.get(text);
  if (cached) return cached;
  const result = readSections(text);
  parsedSections.set(text, result);
  return result;
}

function readSections(text: string): Section[] {
  const found: { kind: string; props: Map<string, string> }[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[([A-Z]+)\]$/.exec(line);
    if (header?.[1]) {
      found.push({ kind: header[1], props: new Map() });
      continue;
    }
    const match = /^(\S+)\s+(.*)$/.exec(line);
    const current = found.at(-1);
    if (!match?.[1] || match[2] === undefined || !current) throw new Error(`cannot read '${line}'`);
    current.props.set(match[1].toLowerCase(), match[2]);
  }
  return found;
}

/** Fluent Bit's ${VAR} substitution from the container's environment; an unset variable fails here. */
function substitute(value: string, env: Env): string {
  return value.replace(/\$\{([A-Z_]+)\}/g, (_, name: string) => {
    const found = env[name];
    if (found === undefined) throw new Error(`\${${name}} is not in the container's env`);
    return found;
  });
}

const ACCESSOR = /\$([A-Za-z_][A-Za-z0-9_]*)((?:\['[^']*'\])*)/g;

/** A record accessor (`$a['b']['c']`): the value, or undefined when a key is missing. */
function access(record: FluentRecord, key: string, subkeys: string): Value {
  let value: Value = record[key];
  for (const [, sub = ''] of subkeys.matchAll(/\['([^']*)'\]/g)) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = value[sub];
  }
  return value;
}

/** A template of accessors and text; undefined when an accessor finds no string (Fluent Bit falls back). */
function translate(template: string, record: FluentRecord): string | undefined {
  let failed = false;
  const text = template.replace(ACCESSOR, (_, key: string, subkeys: string) => {
    const value = access(record, key, subkeys);
    if (typeof value !== 'string') failed = true;
    return typeof value === 'string' ? value : '';
  });
  return failed ? undefined : text;
}

function tagMatches(pattern: string, tag: string): boolean {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(tag);
}

interface Delivery {
  readonly logGroup: string;
  readonly autoCreate: boolean;
}

/** Runs one record through the pipeline's filters (after the kubernetes filter) and outputs. */
function route(app: FluentBitApp, tag: string, record: FluentRecord): Delivery[] {
  let current = tag;
  for (const filter of sections(app.config.filters)) {
    const name = filter.props.get('name');
    const match = filter.props.get('match') ?? '';
    if (name !== 'rewrite_tag' || !tagMatches(match, current)) continue;
    const rule = substitute(filter.props.get('rule') ?? '', app.env).split(/\s+/);
    const [accessor = '', regex = '', newTag = '', keep = ''] = rule;
    expect(keep, 'a re-tagged record is not kept under its old tag').toBe('false');
    const [, key = '', subkeys = ''] = /^\$([A-Za-z_][A-Za-z0-9_]*)((?:\['[^']*'\])*)$/.exec(accessor) ?? [];
    const value = access(record, key, subkeys);
    if (typeof value === 'string' && new RegExp(regex).test(value)) current = newTag.replace('$TAG', current);
  }
  return sections(app.config.outputs)
    .filter((output) => tagMatches(output.props.get('match') ?? '', current))
    .map((output) => {
      expect(output.props.get('name')).toBe('cloudwatch_logs');
      const template = output.props.get('log_group_template');
      const fallback = substitute(output.props.get('log_group_name') ?? '', app.env);
      const translated = template === undefined ? undefined : translate(template, record);
      return {
        logGroup: translated ?? fallback,
        autoCreate: substitute(output.props.get('auto_create_group') ?? 'false', app.env) === 'true',
      };
    });
}

/** What the kubernetes filter makes of a container's log line, given the namespace's labels. */
function containerRecord(
  namespace: string,
  namespaceLabels: Record<string, string>,
  podLabels: Record<string, string>,
  line: string,
): FluentRecord {
  return {
    log: line,
    stream: 'stdout',
    kubernetes: { namespace_name: namespace, pod_name: 'app-0', container_name: 'app', labels: podLabels },
    kubernetes_namespace: { labels: namespaceLabels },
  };
}

// ------------------------------------------------------------------ IAM, as modules/logs writes it

const arnBase = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:`;
const streamArn = (group: string) => `${arnBase}${group}:log-stream:app-0`;
/** The node role's resources on a dedicated cluster (local.own_streams). */
const dedicatedResources = (organization: string, environment: string) =>
  [workloadsLogGroup(organization, environment), platformLogGroup(organization, environment)].map(
    (group) => `${arnBase}${group}:*`,
  );
/** A shared cluster's: its own platform group and every tenant workloads group (local.tenant_groups). */
const sharedResources = (cluster: string) => [
  `${arnBase}${platformLogGroup('cluster', cluster)}:*`,
  `${arnBase}/slipway/*/*/workloads:*`,
];

function iamGlob(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(value);
}

const allowed = (resources: readonly string[], arn: string) =>
  resources.some((pattern) => iamGlob(pattern, arn));

/** The renderer's objects as plain JSON (what toYaml writes, without the YAML round trip's cost). */
const objectsOf = (inputs: TenantInput[]): KubeObject[] =>
  renderTenants(inputs).flatMap((file) =>
    file.objects.map((object) => JSON.parse(JSON.stringify(object)) as KubeObject),
  );

/** Pod labels and log lines a hostile tenant writes to pull its records elsewhere. */
const hostilePod = (victim: { organization: string; environment: string }) =>
  fc.record({
    labels: fc.constantFrom<Record<string, string>>(
      {},
      { 'slipway.io/organization': victim.organization, 'slipway.io/environment': victim.environment },
      { 'kubernetes_namespace.labels.slipway.io/organization': victim.organization },
    ),
    line: fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.constant(
        JSON.stringify({
          kubernetes_namespace: {
            labels: {
              'slipway.io/organization': victim.organization,
              'slipway.io/environment': victim.environment,
            },
          },
        }),
      ),
    ),
  });

describe('logging add-on', () => {
  it('builds two Applications of slipway-platform, each the fluent-bit chart pinned to one exact version of an allowed repository', () => {
    const project = parse(
      readFileSync(path.join(KUBERNETES, 'argocd/bootstrap/platform-project.yaml'), 'utf8'),
    ) as { spec: { sourceRepos: string[] } };
    for (const kind of ['shared', 'dedicated'] as const) {
      const found = apps(kind);
      expect(Object.keys(found).sort()).toEqual(['fluent-bit', 'fluent-bit-events']);
      for (const object of built[kind]) validateWithModel(object);
      const versions = new Set(Object.values(found).map((app) => app.spec.source.targetRevision));
      expect(versions.size).toBe(1);
      for (const app of Object.values(found)) {
        expect(app.spec.project).toBe('slipway-platform');
        expect(app.spec.source.chart).toBe('fluent-bit');
        expect(app.spec.source.targetRevision).toMatch(CHART_VERSION);
        expect(project.spec.sourceRepos).toContain(app.spec.source.repoURL);
        // Its own platform namespace: no organization label, so the Cilium fence keeps tenants out.
        expect(app.spec.destination).toEqual({
          server: 'https://kubernetes.default.svc',
          namespace: 'logging',
        });
        // Every ${VAR} of the pipeline is set from params.env: none is left a placeholder.
        const text = Object.values(app.config).join('\n');
        for (const [, name = ''] of text.matchAll(/\$\{([A-Z_]+)\}/g)) {
          expect(app.env[name], `${app.name}: ${name}`).toBeDefined();
          expect(app.env[name]).not.toBe('placeholder');
        }
      }
    }
    // Container logs on every node, events once per cluster (one replica, allowed to list events).
    const { 'fluent-bit': daemon, 'fluent-bit-events': events } = apps('dedicated');
    expect(daemon?.spec.source.helm.valuesObject.kind).toBe('DaemonSet');
    expect(daemon?.spec.source.helm.valuesObject.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(sections(daemon?.config.inputs ?? '').map((input) => input.props.get('name'))).toEqual(['tail']);
    expect(events?.spec.source.helm.valuesObject).toMatchObject({
      kind: 'Deployment',
      replicaCount: 1,
      rbac: { eventsAccess: true },
    });
    expect(sections(events?.config.inputs ?? '').map((input) => input.props.get('name'))).toEqual([
      'kubernetes_events',
    ]);
  });

  it('takes the groups, region and retention from params.env (what prepare.sh writes from the Terraform outputs)', () => {
    expect(apps('dedicated')['fluent-bit']?.env).toEqual({
      SLIPWAY_REGION: REGION,
      SLIPWAY_PLATFORM_LOG_GROUP: '/slipway/acme/prod/platform',
      SLIPWAY_CREATE_TENANT_GROUPS: 'false',
      SLIPWAY_LOG_RETENTION_DAYS: '14',
    });
    expect(apps('shared')['fluent-bit-events']?.env).toEqual({
      SLIPWAY_REGION: REGION,
      SLIPWAY_WORKLOADS_LOG_GROUP: '/slipway/cluster/shared-eu/platform',
      SLIPWAY_PLATFORM_LOG_GROUP: '/slipway/cluster/shared-eu/platform',
      SLIPWAY_TENANT_EVENT_NAMESPACES: '^_$',
    });
  });

  it('lets nothing a pod writes reach the keys the route reads: no merged JSON, no pod-chosen parser or exclusion', () => {
    const filter = sections(apps('shared')['fluent-bit']?.config.filters ?? '').find(
      (section) => section.props.get('name') === 'kubernetes',
    );
    expect(filter?.props.get('merge_log')).toBe('Off');
    expect(filter?.props.get('k8s-logging.parser')).toBe('Off');
    expect(filter?.props.get('k8s-logging.exclude')).toBe('Off');
    expect(filter?.props.get('namespace_labels')).toBe('On');
    // The route reads the namespace's labels (kubernetes_namespace), never the pod's (kubernetes.labels).
    const text = Object.values(apps('shared')['fluent-bit']?.config ?? {}).join('\n');
    expect(text).not.toMatch(/\$kubernetes\['labels'\]/);
  });

  it("matches the Terraform module's names and the domain's (functions/domain/logs.ts)", () => {
    const main = readFileSync(TERRAFORM_LOGS, 'utf8');
    const hcl = (text: string) => text.replaceAll('%{', '$' + '{');
    expect(main).toContain(hcl('prefix    = "/slipway/%{var.organization}/%{var.environment}/"'));
    expect(main).toContain(hcl('workloads = "%{local.prefix}workloads"'));
    expect(main).toContain(hcl('platform  = "%{local.prefix}platform"'));
    expect(main).toContain(hcl('tenant_groups = "%{local.arn_base}/slipway/*/*/workloads"'));
    expect(workloadsLogGroup('acme', 'prod')).toBe('/slipway/acme/prod/workloads');
    expect(platformLogGroup('acme', 'prod')).toBe('/slipway/acme/prod/platform');
    // The template writes the same name from the namespace's labels.
    const record = containerRecord(
      'acme-prod-payments',
      { 'slipway.io/organization': 'acme', 'slipway.io/environment': 'prod' },
      {},
      'hello',
    );
    expect(route(apps('dedicated')['fluent-bit'] as FluentBitApp, 'kube.x', record)).toEqual([
      { logGroup: '/slipway/acme/prod/workloads', autoCreate: false },
    ]);
  });

  it("for any organizations sharing a cluster: every container log and event lands in its own organization's group, whatever its pods write", () => {
    const shared = apps('shared');
    const daemon = shared['fluent-bit'] as FluentBitApp;
    const events = shared['fluent-bit-events'] as FluentBitApp;
    fc.assert(
      fc.property(
        tenantsOfOneCluster.chain((tenants) =>
          fc.tuple(
            fc.constant(tenants),
            fc.array(hostilePod(tenants[tenants.length - 1] ?? { organization: 'x', environment: 'y' }), {
              minLength: 1,
              maxLength: 3,
            }),
            dnsLabel(20),
          ),
        ),
        ([tenants, pods, platformNamespace]) => {
          let objects: KubeObject[];
          try {
            objects = objectsOf(tenants);
          } catch (error) {
            // Two tenants whose namespace names collide are refused (another property covers it).
            if (error instanceof Error && error.name === 'TenantRenderError') return;
            throw error;
          }
          const namespaces = objects.filter((object) => object.kind === 'Namespace');
          const names = new Set(namespaces.map((ns) => ns.metadata.name));
          for (const ns of namespaces) {
            const labels = ns.metadata.labels ?? {};
            const organization = labels['slipway.io/organization'] ?? '';
            const environment = labels['slipway.io/environment'] ?? '';
            const own = workloadsLogGroup(organization, environment);
            for (const pod of pods) {
              const deliveries = route(daemon, 'kube.var.log.containers.x.log', {
                ...containerRecord(ns.metadata.name, labels, pod.labels, pod.line),
              });
              expect(deliveries).toEqual([{ logGroup: own, autoCreate: true }]);
              for (const other of tenants) {
                const otherPrefix = logGroupPrefix(other.organization, other.environment);
                const mine = other.organization === organization && other.environment === environment;
                expect(deliveries[0]?.logGroup.startsWith(otherPrefix)).toBe(mine);
                // The shared node role may write there; a dedicated cluster's role of another
                // organization could not.
                expect(
                  allowed(dedicatedResources(other.organization, other.environment), streamArn(own)),
                ).toBe(mine);
              }
              expect(allowed(sharedResources('shared-eu'), streamArn(own))).toBe(true);
            }
            // A shared cluster keeps every event in its platform group (names cannot tell tenants apart).
            expect(route(events, 'events.platform', { metadata: { namespace: ns.metadata.name } })).toEqual([
              { logGroup: '/slipway/cluster/shared-eu/platform', autoCreate: false },
            ]);
          }
          // A platform namespace (no organization label) stays in the cluster's group.
          if (!names.has(platformNamespace)) {
            expect(route(daemon, 'kube.x', containerRecord(platformNamespace, {}, {}, 'x'))).toEqual([
              { logGroup: '/slipway/cluster/shared-eu/platform', autoCreate: false },
            ]);
          }
          // No tenant's rights on its own dedicated cluster reach another's groups, the shared
          // cluster's platform group or a flow-log group; the shared role reaches no platform group
          // of another cluster.
          for (const tenant of tenants) {
            const resources = dedicatedResources(tenant.organization, tenant.environment);
            expect(allowed(resources, streamArn(platformLogGroup('cluster', 'shared-eu')))).toBe(false);
            expect(
              allowed(
                resources,
                streamArn(`/slipway/vpc-flow-logs/${tenant.organization}-${tenant.environment}`),
              ),
            ).toBe(false);
            expect(
              allowed(
                sharedResources('shared-eu'),
                streamArn(platformLogGroup(tenant.organization, tenant.environment)),
              ),
            ).toBe(false);
            expect(
              allowed(
                sharedResources('shared-eu'),
                streamArn(`/slipway/vpc-flow-logs/${tenant.organization}-${tenant.environment}`),
              ),
            ).toBe(false);
          }
        },
      ),
      { numRuns: 15 },
    );
  });

  it("on a dedicated cluster: the spec's namespaces' events go to its workloads group, every other namespace's to the platform group", () => {
    const events = apps('dedicated')['fluent-bit-events'] as FluentBitApp;
    const of = (namespace: string) => route(events, 'events.platform', { metadata: { namespace } });
    for (const namespace of ['acme-prod-payments', 'acme-prod-ledger'])
      expect(of(namespace)).toEqual([{ logGroup: '/slipway/acme/prod/workloads', autoCreate: false }]);
    for (const namespace of [
      'kube-system',
      'argocd',
      'acme-prod-payments-x',
      'xacme-prod-ledger',
      'acme-prod',
    ])
      expect(of(namespace)).toEqual([{ logGroup: '/slipway/acme/prod/platform', autoCreate: false }]);
    // An event without a namespace (a Node's) is the platform's.
    expect(route(events, 'events.platform', { metadata: {} })).toEqual([
      { logGroup: '/slipway/acme/prod/platform', autoCreate: false },
    ]);
  });
});
