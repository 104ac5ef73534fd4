/**
 * One list of the platform's namespaces (functions/domain/cluster-namespaces.ts): it is exactly
 * where the platform runs — the destination namespaces of every Argo CD Application the platform
 * installs (read from gitops/kubernetes, so an add-on in a new namespace fails here until it is
 * listed) and kube-system, where the ansible phase installs Cilium — and both event routers (an
 * environment's hook and a shared cluster's) and the Cilium fence agree with it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { routeArgoEvent, routeNamespace, tenantScope } from '../../../functions/domain/cluster-event.js';
import { routeClusterNamespaces } from '../../../functions/domain/cluster-hooks.js';
import { PLATFORM_NAMESPACE, PLATFORM_NAMESPACES } from '../../../functions/domain/cluster-namespaces.js';
import {
  defaultDenyPolicy,
  PLATFORM_PODS_EXCEPT_DNS,
} from '../../../gitops/kubernetes/tenants/network-policy.js';

const ROOT = join(import.meta.dirname, '../../..');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.yaml'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Every `spec.destination.namespace` of an Argo CD Application under gitops/kubernetes (tenants aside). */
function platformApplicationNamespaces(): string[] {
  const found = new Set<string>();
  for (const file of yamlFiles(join(ROOT, 'gitops/kubernetes'))) {
    for (const document of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const value: unknown = document.toJS();
      if (typeof value !== 'object' || value === null) continue;
      const object = value as {
        kind?: unknown;
        apiVersion?: unknown;
        spec?: { destination?: { namespace?: unknown } };
      };
      const namespace = object.spec?.destination?.namespace;
      if (
        object.kind === 'Application' &&
        String(object.apiVersion).startsWith('argoproj.io/') &&
        typeof namespace === 'string'
      ) {
        found.add(namespace);
      }
    }
  }
  return [...found].sort();
}

describe('the platform namespaces', () => {
  it('are the namespaces the platform Applications deploy to, plus kube-system (Cilium, by the ansible phase)', () => {
    const cilium = readFileSync(join(ROOT, 'gitops/ansible/roles/cilium/tasks/configure.yml'), 'utf8');
    const ciliumNamespace = /--namespace=([a-z0-9-]+)/.exec(cilium)?.[1];
    expect(ciliumNamespace).toBe(PLATFORM_NAMESPACE.kubeSystem);
    const applications = platformApplicationNamespaces();
    expect(applications.length).toBeGreaterThanOrEqual(3);
    expect([...new Set([...applications, ciliumNamespace])].sort()).toEqual([...PLATFORM_NAMESPACES].sort());
  });

  it('route the same way in both hooks: the platform namespaces are the cluster’s, anything else is no tenant’s', () => {
    const scope = tenantScope('acme', 'prod', { namespaces: [{ name: 'web' }] });
    const tenants = [{ organization: 'acme', environment: 'prod', namespaces: ['web'] }];
    for (const namespace of PLATFORM_NAMESPACES) {
      expect(routeNamespace(scope, namespace), namespace).toBe('platform');
      expect(routeClusterNamespaces('shared-eu', [namespace], tenants), namespace).toEqual({
        kind: 'cluster',
      });
      expect(routeArgoEvent(scope, { app: 'x', project: 'slipway-platform', namespace }), namespace).toBe(
        'platform',
      );
    }
    // `cilium` was once on one list only: Cilium runs in kube-system here, so it is nobody's namespace.
    for (const namespace of ['cilium', 'default', 'kube-public']) {
      expect(routeNamespace(scope, namespace), namespace).toBe('foreign');
      expect(routeClusterNamespaces('shared-eu', [namespace], tenants)).toMatchObject({
        kind: 'refused',
        reason: 'unknown-namespace',
      });
    }
  });

  it('give the Cilium policies their kube-system (kube-dns allowed, the rest of it fenced)', () => {
    const policy = defaultDenyPolicy('acme-prod-web', {});
    expect(JSON.stringify(policy.spec?.egress)).toContain(
      `"k8s:io.kubernetes.pod.namespace":"${PLATFORM_NAMESPACE.kubeSystem}"`,
    );
    expect(PLATFORM_PODS_EXCEPT_DNS[1]?.matchLabels).toEqual({
      'k8s:io.kubernetes.pod.namespace': PLATFORM_NAMESPACE.kubeSystem,
    });
  });
});
