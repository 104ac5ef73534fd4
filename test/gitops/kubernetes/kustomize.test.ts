import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { requireTool } from '../../support/tools.js';
import { type KubeObject, parseYamlObjects, validateWithModel } from './models.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const KUBERNETES = path.join(ROOT, 'gitops/kubernetes');

/** Kustomizations that fetch upstream manifests and are built in CodeBuild only. */
const ONLINE_ONLY = ['argocd/upstream', 'argocd/install'];

function kustomizationDirs(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory())
      return entry === 'node_modules' || entry.startsWith('.') ? [] : kustomizationDirs(full);
    return entry === 'kustomization.yaml' ? [path.relative(KUBERNETES, dir)] : [];
  });
}

const ALL = kustomizationDirs(KUBERNETES).sort();
const isComponent = (dir: string) =>
  (parse(readFileSync(path.join(KUBERNETES, dir, 'kustomization.yaml'), 'utf8')) as { kind?: string })
    .kind === 'Component';
/** Components cannot be built alone: they are built through the kustomizations that include them. */
const COMPONENTS = ALL.filter(isComponent);
const OFFLINE = ALL.filter((dir) => !ONLINE_ONLY.includes(dir) && !isComponent(dir));

function kustomize(dir: string): KubeObject[] {
  const result = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${result.stderr}`);
  return parseYamlObjects(result.stdout);
}

/** A copy of gitops/kubernetes with some params.env files rewritten, as prepare.sh does. */
const work = mkdtempSync(path.join(tmpdir(), 'slipway-kustomize-'));
function copyWithParams(name: string, params: Record<string, string>): string {
  const copy = path.join(work, name);
  cpSync(KUBERNETES, copy, { recursive: true });
  for (const [file, content] of Object.entries(params)) writeFileSync(path.join(copy, file), content);
  return copy;
}

function byKind(objects: KubeObject[], kind: string, name: string): KubeObject {
  const object = objects.find((candidate) => candidate.kind === kind && candidate.metadata.name === name);
  if (!object)
    throw new Error(`no ${kind} ${name} in ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return object;
}

/** Renders the Go-template body with placeholder values: enough to prove the result is JSON. */
function renderBodySkeleton(body: string): unknown {
  const rendered = body
    .replace(/\{\{ if [^}]+\}\}(.*?)\{\{ else \}\}.*?\{\{ end \}\}/g, '$1')
    .replace(/\{\{ toJson [^}]+\}\}/g, '"sample \\"quoted\\" text"');
  expect(rendered).not.toContain('{{');
  return JSON.parse(rendered);
}

describe('kustomizations under gitops/kubernetes', () => {
  beforeAll(() => requireTool('kubectl', 'kubectl 1.32 with built-in kustomize is on the machine image'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('finds the kustomizations it expects, online-only ones included', () => {
    expect(ALL).toEqual(
      expect.arrayContaining([...ONLINE_ONLY, 'argocd/offline', 'argocd/bootstrap', 'monitoring']),
    );
  });

  it.each(COMPONENTS)(
    'builds component %s offline through an offline kustomization that includes it',
    (component) => {
      const includers = OFFLINE.filter((dir) => {
        const kustomization = parse(
          readFileSync(path.join(KUBERNETES, dir, 'kustomization.yaml'), 'utf8'),
        ) as {
          components?: string[];
        };
        return (kustomization.components ?? []).some((entry) => path.join(dir, entry) === component);
      });
      expect(includers.length).toBeGreaterThan(0);
    },
  );

  it.each(OFFLINE)('builds %s offline, every object valid for kubernetes-models', (dir) => {
    const objects = kustomize(path.join(KUBERNETES, dir));
    expect(objects.length).toBeGreaterThan(0);
    for (const object of objects) validateWithModel(object);
    // Parameter ConfigMaps are replacement sources only, never output.
    expect(objects.some((object) => object.metadata.name.endsWith('-params'))).toBe(false);
  });

  it('documents every online-only kustomization, each pinned to a tagged upstream manifest', () => {
    const readme = readFileSync(path.join(KUBERNETES, 'README.md'), 'utf8');
    const line = readme.split('\n').find((text) => text.startsWith('Online-only kustomizations:')) ?? '';
    for (const dir of ONLINE_ONLY) {
      expect(line).toContain(`\`${dir}\``);
      expect(readFileSync(path.join(KUBERNETES, dir, 'kustomization.yaml'), 'utf8')).toMatch(/ONLINE ONLY/);
    }
    const upstream = parse(
      readFileSync(path.join(KUBERNETES, 'argocd/upstream/kustomization.yaml'), 'utf8'),
    ) as {
      resources: string[];
    };
    expect(upstream.resources).toEqual([
      expect.stringMatching(
        /^https:\/\/raw\.githubusercontent\.com\/argoproj\/argo-cd\/v\d+\.\d+\.\d+\/manifests\/install\.yaml$/,
      ),
    ]);
    const install = parse(
      readFileSync(path.join(KUBERNETES, 'argocd/install/kustomization.yaml'), 'utf8'),
    ) as {
      namespace: string;
      resources: string[];
      components: string[];
    };
    expect(install).toMatchObject({
      namespace: 'argocd',
      resources: ['../namespace', '../upstream'],
      components: ['../components/slipway'],
    });
  });

  describe('Argo CD notifications (argocd/offline)', () => {
    const url = 'https://api.example.com/prod/v1/hooks/argocd/acme/prod';
    let cm: Record<string, string>;
    beforeAll(() => {
      const copy = copyWithParams('notifications', {
        'argocd/components/slipway/params.env': `ARGOCD_WEBHOOK_URL=${url}\nOIDC_GROUPS_SCOPES=[groups]\n`,
      });
      cm = byKind(kustomize(path.join(copy, 'argocd/offline')), 'ConfigMap', 'argocd-notifications-cm')
        .data as Record<string, string>;
    });

    it('points the slipway webhook at the URL given at bootstrap, with the token taken from the notifications secret', () => {
      const service = parse(cm['service.webhook.slipway'] ?? '') as {
        url: string;
        headers: { name: string; value: string }[];
      };
      expect(service.url).toBe(url);
      expect(service.headers).toContainEqual({ name: 'X-Slipway-Token', value: '$slipway-token' });
    });

    it('keeps the committed placeholder in the reserved .invalid domain', () => {
      const committed = readFileSync(path.join(KUBERNETES, 'argocd/components/slipway/params.env'), 'utf8');
      expect(committed).toMatch(
        /^ARGOCD_WEBHOOK_URL=https:\/\/slipway\.invalid\/v1\/hooks\/argocd\/placeholder\/placeholder$/m,
      );
    });

    it.each([
      ['on-sync-failed', 'app-sync-failed', 'sync.failed', /phase in \['Error', 'Failed'\]/],
      ['on-health-degraded', 'app-health-degraded', 'health.degraded', /health\.status == 'Degraded'/],
      // The recovery: the hook turns it into sync.recovered / health.recovered after a failure.
      [
        'on-synced-healthy',
        'app-synced-healthy',
        'app.synced-healthy',
        /sync\.status == 'Synced' and app\.status\.health\.status == 'Healthy'/,
      ],
    ])(
      'triggers %s with template %s whose body is JSON with the fields Slipway reads',
      (trigger, template, event, when) => {
        const conditions = parse(cm[`trigger.${trigger}`] ?? '') as { when: string; send: string[] }[];
        expect(conditions[0]?.when).toMatch(when);
        expect(conditions[0]?.send).toEqual([template]);
        const definition = parse(cm[`template.${template}`] ?? '') as {
          webhook: { slipway: { method: string; body: string } };
        };
        expect(definition.webhook.slipway.method).toBe('POST');
        const body = renderBodySkeleton(definition.webhook.slipway.body) as Record<string, unknown>;
        expect(Object.keys(body)).toEqual(
          expect.arrayContaining([
            'event',
            'organization',
            'environment',
            'app',
            'project',
            'namespace',
            'syncStatus',
            'healthStatus',
            'phase',
            'message',
            'revision',
            'finishedAt',
            'url',
          ]),
        );
        expect(body.event).toBe(event);
        expect(definition.webhook.slipway.body).toMatch(/"message": \{\{ (if [^}]+\}\}\{\{ )?toJson/);
      },
    );

    it('sends the Synced-and-Healthy report once per revision, so a recovery is reported once', () => {
      const [condition] = parse(cm['trigger.on-synced-healthy'] ?? '') as { oncePer?: string }[];
      expect(condition?.oncePer).toBe('app.status.sync.revision');
    });

    it('sets deny-by-default RBAC with platform admins as Argo CD admins, groups read from the configured claim', () => {
      const copy = path.join(work, 'notifications');
      const rbac = byKind(kustomize(path.join(copy, 'argocd/offline')), 'ConfigMap', 'argocd-rbac-cm')
        .data as Record<string, string>;
      expect(rbac['policy.default']).toBe('');
      expect(rbac['policy.csv']).toContain('g, slipway:platform-admin, role:admin');
      expect(rbac.scopes).toBe('[groups]');
    });

    it('turns sync impersonation on, and leaves single sign-on off as committed', () => {
      const copy = path.join(work, 'notifications');
      const cm = byKind(kustomize(path.join(copy, 'argocd/offline')), 'ConfigMap', 'argocd-cm')
        .data as Record<string, string>;
      expect(cm['application.sync.impersonation.enabled']).toBe('true');
      expect(cm['oidc.config']).toBeUndefined();
      expect(cm['exec.enabled']).toBe('false');
    });

    it('gives every notification the template context of its cluster (organization, environment)', () => {
      const committed = byKind(
        kustomize(path.join(KUBERNETES, 'argocd/offline')),
        'ConfigMap',
        'argocd-notifications-cm',
      ).data as Record<string, string>;
      expect(parse(committed.context ?? '')).toEqual({
        argocdUrl: 'https://argocd-server.argocd.svc',
        organization: 'placeholder',
        environment: 'placeholder',
      });
    });
  });

  describe('bootstrap applications (argocd/bootstrap)', () => {
    it('points the platform project and the slipway-managed Application at the repository and path given at bootstrap', () => {
      const copy = copyWithParams('bootstrap', {
        'argocd/bootstrap/params.env':
          'GITOPS_REPOSITORY=https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/slipway-gitops\nGITOPS_REVISION=release\nMANAGED_PATH=slipway-managed/acme/prod\n',
      });
      const objects = kustomize(path.join(copy, 'argocd/bootstrap'));
      const project = byKind(objects, 'AppProject', 'slipway-platform').spec as { sourceRepos: string[] };
      expect(project.sourceRepos).toEqual([
        'https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/slipway-gitops',
        'https://prometheus-community.github.io/helm-charts',
        'https://kubernetes-sigs.github.io/aws-ebs-csi-driver',
        'https://charts.external-secrets.io',
        'https://fluent.github.io/helm-charts',
      ]);
      // Impersonation is on for every Application: Slipway's own sync as the platform deployer.
      expect(
        (byKind(objects, 'AppProject', 'slipway-platform').spec as Record<string, unknown>)
          .destinationServiceAccounts,
      ).toEqual([
        {
          server: 'https://kubernetes.default.svc',
          namespace: '*',
          defaultServiceAccount: 'argocd:slipway-platform-deployer',
        },
      ]);
      expect(byKind(objects, 'ClusterRoleBinding', 'slipway:platform-deployer').subjects).toEqual([
        { kind: 'ServiceAccount', name: 'slipway-platform-deployer', namespace: 'argocd' },
      ]);
      const app = byKind(objects, 'Application', 'slipway-managed').spec as {
        source: Record<string, string>;
        project: string;
      };
      expect(app.project).toBe('slipway-platform');
      expect(app.source).toEqual({
        repoURL: 'https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/slipway-gitops',
        targetRevision: 'release',
        path: 'slipway-managed/acme/prod',
      });
    });
  });

  describe('monitoring (kube-prometheus-stack)', () => {
    const url = 'https://api.example.com/prod/v1/hooks/alertmanager/acme/prod';
    let app: KubeObject;
    let values: Record<string, unknown>;
    beforeAll(() => {
      const copy = copyWithParams('monitoring', {
        'monitoring/params.env': `ALERTMANAGER_WEBHOOK_URL=${url}\nORGANIZATION=acme\nENVIRONMENT=prod\n`,
      });
      app = byKind(kustomize(path.join(copy, 'monitoring')), 'Application', 'kube-prometheus-stack');
      const helm = (app.spec as { source: { helm: { values: string } } }).source.helm;
      values = parse(helm.values) as Record<string, unknown>;
    });

    it('installs a pinned chart version with values.yaml inlined verbatim and the webhook URL as a parameter', () => {
      const source = (app.spec as { source: Record<string, unknown> }).source;
      expect(source).toMatchObject({
        chart: 'kube-prometheus-stack',
        repoURL: 'https://prometheus-community.github.io/helm-charts',
      });
      expect(source.targetRevision).toMatch(/^\d+\.\d+\.\d+$/);
      expect(values).toEqual(parse(readFileSync(path.join(KUBERNETES, 'monitoring/values.yaml'), 'utf8')));
      expect((source.helm as { parameters: unknown[] }).parameters).toEqual([
        { name: 'slipway.alertmanagerWebhookUrl', value: url, forceString: true },
        { name: 'prometheus.prometheusSpec.externalLabels.organization', value: 'acme', forceString: true },
        { name: 'prometheus.prometheusSpec.externalLabels.environment', value: 'prod', forceString: true },
      ]);
    });

    it('keeps the kubernetes-mixin quota alerts on', () => {
      const rules = values.defaultRules as {
        create: boolean;
        rules: Record<string, boolean>;
        disabled: Record<string, boolean>;
      };
      expect(rules.create).toBe(true);
      expect(rules.rules.kubernetesResources).toBe(true);
      for (const alert of ['KubeQuotaAlmostFull', 'KubeQuotaFullyUsed', 'KubeQuotaExceeded']) {
        expect(rules.disabled[alert]).not.toBe(true);
      }
    });

    it('routes the three quota alerts to the slipway receiver, a bearer token read from a mounted secret file', () => {
      const alertmanager = values.alertmanager as {
        tplConfig: boolean;
        alertmanagerSpec: { secrets: string[] };
        config: {
          route: { routes: { receiver: string; matchers: string[] }[] };
          receivers: { name: string; webhook_configs?: Record<string, unknown>[] }[];
        };
      };
      const route = alertmanager.config.route.routes.find((candidate) => candidate.receiver === 'slipway');
      for (const alert of ['KubeQuotaAlmostFull', 'KubeQuotaFullyUsed', 'KubeQuotaExceeded']) {
        expect(route?.matchers.join(' ')).toContain(alert);
      }
      const receiver = alertmanager.config.receivers.find((candidate) => candidate.name === 'slipway');
      const webhook = receiver?.webhook_configs?.[0] as {
        url: string;
        http_config: { authorization: Record<string, string> };
      };
      expect(alertmanager.tplConfig).toBe(true);
      expect(webhook.url).toBe('{{ .Values.slipway.alertmanagerWebhookUrl }}');
      expect((values.slipway as { alertmanagerWebhookUrl: string }).alertmanagerWebhookUrl).toMatch(
        /\/v1\/hooks\/alertmanager\/placeholder\/placeholder$/,
      );
      expect(webhook.http_config.authorization).toEqual({
        type: 'Bearer',
        credentials_file: '/etc/alertmanager/secrets/slipway-alertmanager/token',
      });
      expect(alertmanager.alertmanagerSpec.secrets).toContain('slipway-alertmanager');
      expect(JSON.stringify(values)).not.toMatch(/"credentials"\s*:/);
    });
  });

  it('commits no Secret and no token: every Secret is created by the bootstrap script from Secrets Manager', () => {
    for (const dir of OFFLINE) {
      expect(kustomize(path.join(KUBERNETES, dir)).filter((object) => object.kind === 'Secret')).toEqual([]);
    }
    expect(existsSync(path.join(KUBERNETES, 'argocd/upstream-stub/secret.yaml'))).toBe(false);
  });
});
