import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { INGRESS_CLASS } from '../../../gitops/kubernetes/tenants/ingress.js';
import { requireTool } from '../../support/tools.js';
import { loadConfig } from '../terraform/terraform-config.js';
import { type KubeObject, parseYamlObjects, validateWithModel } from './models.js';

/*
 * The platform add-ons the argocd phase commits under platform/ (one kustomization each, built for
 * real with kubectl kustomize): every one is an Argo CD Application of the slipway-platform project,
 * pinned to an exact chart version from a repository the project allows, and the external-secrets
 * one installs no cluster-wide store kind.
 */

const KUBERNETES = path.resolve(import.meta.dirname, '../../../gitops/kubernetes');
/** Add-on directory -> the Application it holds (bootstrap.sh waits for each by name). */
const ADDONS = {
  monitoring: 'kube-prometheus-stack',
  storage: 'aws-ebs-csi-driver',
  secrets: 'external-secrets',
} as const;

interface ApplicationSpec {
  project: string;
  source: { repoURL: string; chart?: string; targetRevision: string; helm?: { values?: string } };
  destination: { server: string; namespace: string };
  syncPolicy?: { automated?: unknown };
}

const built: Record<string, KubeObject[]> = {};

beforeAll(() => {
  requireTool('kubectl', 'kubectl 1.32 with its built-in kustomize');
  for (const dir of Object.keys(ADDONS)) {
    const result = spawnSync('kubectl', ['kustomize', path.join(KUBERNETES, dir)], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    if (result.status !== 0) throw new Error(`kubectl kustomize ${dir}: ${result.stderr}`);
    built[dir] = parseYamlObjects(result.stdout);
  }
});

const platformProject = () =>
  parse(readFileSync(path.join(KUBERNETES, 'argocd/bootstrap/platform-project.yaml'), 'utf8')) as {
    spec: { sourceRepos: string[] };
  };

function application(dir: keyof typeof ADDONS): ApplicationSpec {
  const app = (built[dir] ?? []).find(
    (object) => object.kind === 'Application' && object.metadata.name === ADDONS[dir],
  );
  if (!app) throw new Error(`no Application ${ADDONS[dir]} in ${dir}`);
  validateWithModel(app);
  return app.spec as ApplicationSpec;
}

describe('platform add-ons', () => {
  it.each(Object.keys(ADDONS) as (keyof typeof ADDONS)[])(
    '%s: one Application of slipway-platform, pinned to an exact chart version of an allowed repository',
    (dir) => {
      const spec = application(dir);
      expect(spec.project).toBe('slipway-platform');
      expect(spec.source.chart).toBeTruthy();
      expect(spec.source.targetRevision).toMatch(/^\d+\.\d+\.\d+$/);
      expect(platformProject().spec.sourceRepos).toContain(spec.source.repoURL);
      expect(spec.destination.server).toBe('https://kubernetes.default.svc');
      expect(spec.syncPolicy?.automated).toBeDefined();
      for (const object of built[dir] ?? []) validateWithModel(object);
    },
  );

  it('waits for every add-on Application in the bootstrap, by name and bundle path', () => {
    const bootstrap = readFileSync(
      path.resolve(KUBERNETES, '../../buildspecs/scripts/argocd/bootstrap.sh'),
      'utf8',
    );
    const prepare = readFileSync(
      path.resolve(KUBERNETES, '../../buildspecs/scripts/argocd/prepare.sh'),
      'utf8',
    );
    for (const [dir, name] of Object.entries(ADDONS)) {
      expect(bootstrap).toContain(`wait_for_application ${name} "$(managed_path)/platform/${dir}.yaml"`);
      expect(prepare).toContain(
        `kubectl kustomize "$(manifests_dir)/${dir}" >"\${bundle}/platform/${dir}.yaml"`,
      );
      expect(prepare).toContain(`  - platform/${dir}.yaml`);
    }
  });

  it('installs External Secrets without any cluster-wide kind, and without PushSecret', () => {
    const values = parse(application('secrets').source.helm?.values ?? '') as {
      installCRDs: boolean;
      crds: Record<string, boolean>;
      [key: string]: unknown;
    };
    expect(values.installCRDs).toBe(true);
    for (const kind of [
      'ClusterExternalSecret',
      'ClusterSecretStore',
      'ClusterGenerator',
      'ClusterPushSecret',
      'PushSecret',
    ]) {
      expect(values.crds[`create${kind}`], kind).toBe(false);
      const process = kind === 'ClusterSecretStore' ? 'processClusterStore' : `process${kind}`;
      expect(values[process], process).toBe(false);
    }
    // Its own platform namespace: no organization label, so the Cilium fence keeps tenants out.
    expect(application('secrets').destination.namespace).toBe('external-secrets');
  });
});

describe('ingress (Cilium ingress controller behind the Terraform NLB)', () => {
  const values = (
    parse(readFileSync(path.resolve(KUBERNETES, '../ansible/roles/cilium/vars/main.yml'), 'utf8')) as {
      _cilium_helm_values: Record<string, string>;
    }
  )._cilium_helm_values;

  it('enables the controller in shared mode on a fixed NodePort, with no LoadBalancer Service and no HTTPS redirect', () => {
    expect(values).toMatchObject({
      'ingressController.enabled': 'true',
      'ingressController.loadbalancerMode': 'shared',
      'ingressController.service.type': 'NodePort',
      'ingressController.enforceHttps': 'false',
    });
    // kube-proxy replacement gives the NodePort on every node (Cilium's ingress requires it).
    expect(values.kubeProxyReplacement).toMatch(/cilium_kube_proxy_replacement/);
  });

  it("forwards the NLB to the very NodePort Cilium's ingress Service listens on", async () => {
    const terraform = await loadConfig(path.resolve(KUBERNETES, '../terraform/modules/ingress'));
    expect(terraform.locals.node_port).toBe(30080);
    expect(values['ingressController.service.insecureNodePort']).toBe(String(terraform.locals.node_port));
  });

  it("is the IngressClass the tenant admission policy requires (the renderer's INGRESS_CLASS)", () => {
    expect(INGRESS_CLASS).toBe('cilium');
  });
});

describe('network observability (Hubble)', () => {
  const ciliumVars = parse(
    readFileSync(path.resolve(KUBERNETES, '../ansible/roles/cilium/vars/main.yml'), 'utf8'),
  ) as { _cilium_helm_values: Record<string, string> };
  const values = ciliumVars._cilium_helm_values;

  it('turns on Hubble, relay and UI in the Cilium install, none of them exposed by a Service type', () => {
    expect(values['hubble.enabled']).toBe('true');
    expect(values['hubble.relay.enabled']).toBe('true');
    expect(values['hubble.ui.enabled']).toBe('true');
    for (const key of Object.keys(values).filter((name) => name.startsWith('hubble.')))
      expect(key).not.toMatch(/service\.type|ingress\.enabled/i);
  });

  it('exports the HTTP requests Cilium parses (L7 opt-in, ingress) per source and destination namespace', () => {
    const metrics = /^\{(.*)\}$/.exec(values['hubble.metrics.enabled'] ?? '')?.[1]?.split(',') ?? [];
    expect(metrics).toContain('httpV2:sourceContext=namespace;destinationContext=namespace');
  });

  it('exports policy verdicts, drops and flows per source and destination namespace', () => {
    const metrics = /^\{(.*)\}$/.exec(values['hubble.metrics.enabled'] ?? '')?.[1]?.split(',') ?? [];
    for (const name of ['policy', 'drop', 'flow'])
      expect(metrics).toContain(`${name}:sourceContext=namespace;destinationContext=namespace`);
    // Helm's --set splits lists on commas: no option may carry one.
    for (const metric of metrics)
      expect(metric).toMatch(/^[a-zA-Z0-9]+(:[a-zA-Z]+=[a-z|]+(;[a-zA-Z]+=[a-z|]+)*)?$/);
  });

  it('has the platform Prometheus scrape the agents, from kube-system only', () => {
    const monitoring = parse(readFileSync(path.join(KUBERNETES, 'monitoring/values.yaml'), 'utf8')) as {
      prometheus: {
        additionalServiceMonitors: {
          name: string;
          namespaceSelector: unknown;
          endpoints: { port: string }[];
        }[];
      };
    };
    const hubble = monitoring.prometheus.additionalServiceMonitors.find(
      (monitor) => monitor.name === 'hubble-metrics',
    );
    expect(hubble?.namespaceSelector).toEqual({ matchNames: ['kube-system'] });
    expect(hubble?.endpoints.map((endpoint) => endpoint.port)).toEqual(['hubble-metrics']);
  });
});
