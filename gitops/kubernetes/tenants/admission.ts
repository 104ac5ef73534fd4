/**
 * Admission rules for what a tenant may deploy but not configure freely. The AppProject allow-list
 * and RBAC decide by kind; some kinds a tenant needs carry fields that reach past its namespace, and
 * neither can filter by field. A ValidatingAdmissionPolicy (CEL, in the API server, no webhook to
 * run) refuses them for every request in a tenant namespace - Argo CD's impersonated sync and a
 * namespace admin's kubectl alike.
 */
import {
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
} from 'kubernetes-models/admissionregistration.k8s.io/v1';
import { TENANT_SECRET_STORE } from './external-secrets.js';
import { LABEL_ORGANIZATION } from './labels.js';

/** Namespaces the policies apply to: those the renderer labels with an organization. */
export const TENANT_NAMESPACE_SELECTOR = {
  matchExpressions: [{ key: LABEL_ORGANIZATION, operator: 'Exists' as const }],
};

export const SERVICE_POLICY = 'slipway-tenant-services';

/**
 * One validation per hole, each with the field named in its message:
 * - `spec.externalIPs`: any Service may claim an arbitrary address, and kube-proxy/Cilium then
 *   steer the cluster's traffic for that address to the tenant's pods (CVE-2020-8554);
 * - `type: ExternalName`: a DNS alias inside the tenant namespace for any host name, platform
 *   Services included (`prometheus.monitoring.svc`), which ingress controllers and clients follow.
 */
export const SERVICE_VALIDATIONS = [
  {
    expression: '!has(object.spec.externalIPs) || size(object.spec.externalIPs) == 0',
    message:
      'spec.externalIPs is not allowed in a tenant namespace (CVE-2020-8554: it intercepts traffic to any address)',
    reason: 'Forbidden',
  },
  {
    expression: "!has(object.spec.type) || object.spec.type != 'ExternalName'",
    message:
      'spec.type ExternalName is not allowed in a tenant namespace (an alias for any host, platform Services included)',
    reason: 'Forbidden',
  },
] as const;

/**
 * ValidatingAdmissionPolicy is GA (admissionregistration.k8s.io/v1) from Kubernetes 1.30. On 1.29
 * it is the beta API, which the ansible phase turns on (feature gate and runtime config) for that
 * version; the object is the same but for its apiVersion.
 */
export function admissionApiVersion(kubernetesVersion: string): string {
  return kubernetesVersion === '1.29'
    ? 'admissionregistration.k8s.io/v1beta1'
    : 'admissionregistration.k8s.io/v1';
}

/** Typed and validated as v1, written with the cluster's apiVersion (same schema in v1beta1). */
class VersionedPolicy extends ValidatingAdmissionPolicy {
  constructor(
    data: ConstructorParameters<typeof ValidatingAdmissionPolicy>[0],
    private readonly writtenApiVersion: string,
  ) {
    super(data);
  }
  override toJSON(): unknown {
    return { ...(super.toJSON() as Record<string, unknown>), apiVersion: this.writtenApiVersion };
  }
}

class VersionedBinding extends ValidatingAdmissionPolicyBinding {
  constructor(
    data: ConstructorParameters<typeof ValidatingAdmissionPolicyBinding>[0],
    private readonly writtenApiVersion: string,
  ) {
    super(data);
  }
  override toJSON(): unknown {
    return { ...(super.toJSON() as Record<string, unknown>), apiVersion: this.writtenApiVersion };
  }
}

export const EXTERNAL_SECRET_POLICY = 'slipway-tenant-external-secrets';

/**
 * An ExternalSecret reads through the namespace's own SecretStore (slipway-secrets, whose role and
 * prefix are the organization's) and nothing else: no ClusterSecretStore, no other store name, no
 * per-entry `sourceRef` (another store or a generator).
 */
export const EXTERNAL_SECRET_VALIDATIONS = [
  {
    expression: `has(object.spec.secretStoreRef) && object.spec.secretStoreRef.name == '${TENANT_SECRET_STORE}' && (!has(object.spec.secretStoreRef.kind) || object.spec.secretStoreRef.kind == 'SecretStore')`,
    message: `spec.secretStoreRef must be the namespace's SecretStore '${TENANT_SECRET_STORE}' (no ClusterSecretStore, no other store)`,
    reason: 'Forbidden',
  },
  {
    expression:
      '(!has(object.spec.data) || object.spec.data.all(d, !has(d.sourceRef))) && (!has(object.spec.dataFrom) || object.spec.dataFrom.all(d, !has(d.sourceRef)))',
    message:
      'spec.data[].sourceRef and spec.dataFrom[].sourceRef are not allowed in a tenant namespace (other stores, generators)',
    reason: 'Forbidden',
  },
] as const;

interface PolicyParts {
  readonly name: string;
  readonly resourceRule: { apiGroups: string[]; apiVersions: string[]; resources: string[] };
  readonly validations: readonly { expression: string; message: string; reason: string }[];
}

/** A policy and its binding to every tenant namespace (Deny, fail closed). */
function tenantPolicy(
  parts: PolicyParts,
  apiVersion: string,
  labels: Record<string, string>,
): [ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding] {
  return [
    new VersionedPolicy(
      {
        metadata: { name: parts.name, labels },
        spec: {
          // An error evaluating the rule refuses the request: a hole must not open on a bug.
          failurePolicy: 'Fail',
          matchConstraints: {
            namespaceSelector: TENANT_NAMESPACE_SELECTOR,
            resourceRules: [{ ...parts.resourceRule, operations: ['CREATE', 'UPDATE'] }],
          },
          validations: parts.validations.map((validation) => ({ ...validation })),
        },
      },
      apiVersion,
    ),
    new VersionedBinding(
      {
        metadata: { name: parts.name, labels },
        spec: {
          policyName: parts.name,
          validationActions: ['Deny'],
          matchResources: { namespaceSelector: TENANT_NAMESPACE_SELECTOR },
        },
      },
      apiVersion,
    ),
  ];
}

/** Every admission policy on tenant namespaces, with its binding. */
export function tenantAdmissionPolicies(
  kubernetesVersion: string,
  labels: Record<string, string>,
): (ValidatingAdmissionPolicy | ValidatingAdmissionPolicyBinding)[] {
  const apiVersion = admissionApiVersion(kubernetesVersion);
  return [
    ...tenantPolicy(
      {
        name: SERVICE_POLICY,
        resourceRule: { apiGroups: [''], apiVersions: ['v1'], resources: ['services'] },
        validations: SERVICE_VALIDATIONS,
      },
      apiVersion,
      labels,
    ),
    ...tenantPolicy(
      {
        name: EXTERNAL_SECRET_POLICY,
        resourceRule: {
          apiGroups: ['external-secrets.io'],
          apiVersions: ['*'],
          resources: ['externalsecrets'],
        },
        validations: EXTERNAL_SECRET_VALIDATIONS,
      },
      apiVersion,
      labels,
    ),
  ];
}
