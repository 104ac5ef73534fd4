import { describe, expect, it } from 'vitest';
import {
  filepathMatch,
  isDestinationPermitted,
  isGroupKindPermitted,
  isResourcePermitted,
  projectRoleProblems,
} from './argocd-project-rules.js';
import { isDenied, podEndpoint, selects } from './cilium-rules.js';

/*
 * The models the hostile-tenant test relies on, checked against the behaviour Argo CD's own tests
 * pin down (argo-cd v3.3.14 TestAppProject_IsGroupKindPermitted, isDestinationMatched) and against
 * Kubernetes label-selector semantics, so a model that drifts from them fails here first.
 */

describe("model of Argo CD's project rules", () => {
  const replicaSet = { group: 'apps', kind: 'ReplicaSet' };
  const deployment = { group: 'apps', kind: 'Deployment' };
  const namespace = { group: '', kind: 'Namespace' };

  it('an empty namespaced whitelist allows nothing; a missing one allows everything', () => {
    expect(
      isGroupKindPermitted(
        { namespaceResourceWhitelist: [], namespaceResourceBlacklist: [deployment] },
        replicaSet,
        '',
        true,
      ),
    ).toBe(false);
    expect(isGroupKindPermitted({}, { group: 'apps', kind: 'Action' }, '', true)).toBe(true);
  });

  it('a whitelist allows exactly its kinds, and the blacklist wins', () => {
    const project = { namespaceResourceWhitelist: [replicaSet], namespaceResourceBlacklist: [deployment] };
    expect(isGroupKindPermitted(project, replicaSet, '', true)).toBe(true);
    expect(isGroupKindPermitted(project, { group: 'apps', kind: 'Action' }, '', true)).toBe(false);
    expect(
      isGroupKindPermitted({ namespaceResourceWhitelist: [{ group: '*', kind: '*' }] }, deployment, '', true),
    ).toBe(true);
  });

  it('cluster-scoped kinds need a non-empty cluster whitelist, names matched as globs', () => {
    expect(isGroupKindPermitted({}, namespace, 'x', false)).toBe(false);
    expect(isGroupKindPermitted({ clusterResourceWhitelist: [] }, namespace, 'x', false)).toBe(false);
    const star = { group: '*', kind: '*' };
    expect(
      isGroupKindPermitted(
        { clusterResourceWhitelist: [star], clusterResourceBlacklist: [star] },
        namespace,
        'x',
        false,
      ),
    ).toBe(false);
    const team1 = { clusterResourceWhitelist: [{ ...namespace, name: 'team1-*' }] };
    expect(isGroupKindPermitted(team1, namespace, 'other-namespace', false)).toBe(false);
    expect(isGroupKindPermitted(team1, namespace, 'team1-namespace', false)).toBe(true);
  });

  it('matches kinds and groups case-sensitively with filepath globs', () => {
    expect(filepathMatch('Deploy*', 'Deployment')).toBe(true);
    expect(filepathMatch('deployment', 'Deployment')).toBe(false);
    expect(filepathMatch('', '')).toBe(true);
    expect(filepathMatch('', 'apps')).toBe(false);
    expect(filepathMatch('?pps', 'apps')).toBe(true);
  });

  it('checks destinations by server and namespace, with deny patterns', () => {
    const server = 'https://kubernetes.default.svc';
    const project = {
      destinations: [
        { server, namespace: 'team-*' },
        { server, namespace: '!team-secret' },
      ],
    };
    expect(isDestinationPermitted(project, server, 'team-a')).toBe(true);
    expect(isDestinationPermitted(project, server, 'team-secret')).toBe(false);
    // As in Argo CD, a `!x` entry also matches every namespace but x: why Slipway lists names only.
    expect(isDestinationPermitted(project, server, 'kube-system')).toBe(true);
    expect(
      isDestinationPermitted({ destinations: [{ server, namespace: 'team-*' }] }, server, 'kube-system'),
    ).toBe(false);
    expect(isDestinationPermitted(project, 'https://elsewhere', 'team-a')).toBe(false);
  });

  it('puts a namespaced object without a namespace in the Application destination, and checks a named one', () => {
    const server = 'https://kubernetes.default.svc';
    const project = {
      namespaceResourceWhitelist: [deployment],
      destinations: [{ server, namespace: 'mine' }],
    };
    const object = { ...deployment, name: 'x', namespaced: true };
    expect(isResourcePermitted(project, object, server, 'mine')).toBe(true);
    expect(isResourcePermitted(project, { ...object, namespace: 'theirs' }, server, 'mine')).toBe(false);
  });

  it("refuses what Argo CD's role validation refuses", () => {
    expect(
      projectRoleProblems('acme', {
        name: 'viewer-ledger',
        policies: ['p, proj:acme:viewer-ledger, applications, get, acme/acme-prod-ledger, allow'],
      }),
    ).toEqual([]);
    expect(projectRoleProblems('acme', { name: '-bad', policies: [] })).toHaveLength(1);
    expect(
      projectRoleProblems('acme', {
        name: 'r',
        policies: ['p, proj:acme:r, applications, get, globex/*, allow'],
      }),
    ).toHaveLength(1);
    expect(
      projectRoleProblems('acme', {
        name: 'r',
        policies: ['p, proj:acme:other, applications, get, acme/*, allow'],
      }),
    ).toHaveLength(1);
    expect(
      projectRoleProblems('acme', { name: 'r', policies: ['p, proj:acme:r, clusters, get, acme/*, maybe'] }),
    ).toHaveLength(1);
  });
});

describe('model of Cilium deny rules', () => {
  it('follows label-selector semantics: NotIn holds for a missing key, DoesNotExist for an absent one', () => {
    const labels = { a: '1' };
    expect(selects({ matchExpressions: [{ key: 'b', operator: 'NotIn', values: ['1'] }] }, labels)).toBe(
      true,
    );
    expect(selects({ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, labels)).toBe(
      false,
    );
    expect(selects({ matchExpressions: [{ key: 'b', operator: 'DoesNotExist' }] }, labels)).toBe(true);
    expect(selects({ matchExpressions: [{ key: 'b', operator: 'In', values: ['1'] }] }, labels)).toBe(false);
    expect(selects({ matchLabels: { a: '1' } }, labels)).toBe(true);
    expect(selects({}, labels)).toBe(true);
  });

  it('denies on egress of the source or ingress of the target', () => {
    const a = podEndpoint('a', {});
    const b = podEndpoint('b', {});
    const ns = (name: string) => ({ matchLabels: { 'k8s:io.kubernetes.pod.namespace': name } });
    expect(isDenied([{ endpointSelector: ns('a'), egressDeny: [{ toEndpoints: [ns('b')] }] }], a, b)).toBe(
      true,
    );
    expect(isDenied([{ endpointSelector: ns('b'), ingressDeny: [{ fromEndpoints: [ns('a')] }] }], a, b)).toBe(
      true,
    );
    expect(isDenied([{ endpointSelector: ns('b'), egressDeny: [{ toEndpoints: [ns('a')] }] }], a, b)).toBe(
      false,
    );
  });
});
