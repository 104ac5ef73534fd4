import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { toYaml } from '../../../gitops/kubernetes/tenants/bundle.js';
import { OIDC_GROUPS_PREFIX } from '../../../gitops/kubernetes/tenants/labels.js';
import { renderTenants } from '../../../gitops/kubernetes/tenants/render.js';
import { validSpec } from '../../support/fixtures.js';
import { parseYamlObjects } from './models.js';
import { isAllowed } from './rbac-rules.js';

/*
 * kube-apiserver's OIDC groups prefix (the ansible role's default, rendered into the kubeadm
 * ClusterConfiguration) against the tenant renderer's RoleBinding subjects: an issued group named
 * system:masters must never be the built-in group, and the bindings must still match the groups
 * the issuer hands out.
 */

const ROLE = path.join(import.meta.dirname, '../../../gitops/ansible/roles/k8s-control-plane');
const defaults = parse(readFileSync(path.join(ROLE, 'defaults/main.yml'), 'utf8')) as Record<string, unknown>;
const template = readFileSync(path.join(ROLE, 'templates/kubeadm-init.yaml.j2'), 'utf8');
const groupsPrefix = String(defaults.k8s_control_plane_oidc_groups_prefix);

/** The groups kube-apiserver gives RBAC for a token whose groups claim holds CLAIM. */
const apiServerGroups = (claim: readonly string[]) => claim.map((group) => `${groupsPrefix}${group}`);

const objects = renderTenants([{ organization: 'acme', environment: 'prod', spec: validSpec() }]).flatMap(
  (file) => parseYamlObjects(toYaml(file)),
);

/** Whether a person whose token carries CLAIM may create Deployments in NAMESPACE. */
function mayDeploy(claim: readonly string[], namespace: string): boolean {
  return apiServerGroups(claim).some((name) =>
    isAllowed(
      objects,
      { kind: 'Group', name },
      { verb: 'create', group: 'apps', resource: 'deployments', namespace },
    ),
  );
}

describe('OIDC groups as kube-apiserver presents them to RBAC', () => {
  it('passes the role defaults to kube-apiserver: username and groups prefix flags from their variables', () => {
    expect(template).toContain('oidc-groups-prefix: "{{ k8s_control_plane_oidc_groups_prefix }}"');
    expect(template).toContain('oidc-username-prefix: "{{ k8s_control_plane_oidc_username_prefix }}"');
    expect(defaults.k8s_control_plane_oidc_username_prefix).toMatch(/^[a-z0-9.-]+:$/);
    expect(groupsPrefix).toMatch(/^[a-z0-9.-]+:$/);
  });

  it("uses the renderer's prefix, so the bindings and the API server agree", () => {
    expect(groupsPrefix).toBe(OIDC_GROUPS_PREFIX);
  });

  it('turns an issued system:masters (or any system: group) into a group no built-in rule knows', () => {
    for (const group of apiServerGroups(['system:masters', 'system:nodes', 'system:authenticated']))
      expect(group.startsWith('system:')).toBe(false);
  });

  it('names only prefixed groups in every RoleBinding and ClusterRoleBinding subject', () => {
    const subjects = objects
      .filter((object) => object.kind === 'RoleBinding' || object.kind === 'ClusterRoleBinding')
      .flatMap((binding) => binding.subjects as { kind: string; name: string }[])
      .filter((subject) => subject.kind === 'Group');
    expect(subjects.length).toBeGreaterThan(3);
    for (const subject of subjects) expect(subject.name.startsWith(groupsPrefix)).toBe(true);
  });

  it("still lets the issuer's own groups in: an org admin may deploy in the org's namespace, nobody else", () => {
    expect(mayDeploy(['slipway:acme:org-admin'], 'acme-prod-payments')).toBe(true);
    expect(mayDeploy(['slipway:acme:payments:developer'], 'acme-prod-payments')).toBe(true);
    expect(mayDeploy(['system:masters'], 'acme-prod-payments')).toBe(false);
    expect(mayDeploy(['slipway:acme:developer'], 'acme-prod-payments')).toBe(false);
    // The same group without the prefix (what a binding for an unprefixed API server would name) matches nothing.
    expect(
      isAllowed(
        objects,
        { kind: 'Group', name: 'slipway:acme:org-admin' },
        { verb: 'create', group: 'apps', resource: 'deployments', namespace: 'acme-prod-payments' },
      ),
    ).toBe(false);
  });
});
