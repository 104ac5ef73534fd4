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
import { INGRESS_CLASS } from './ingress.js';
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

export const INGRESS_POLICY = 'slipway-tenant-ingresses';

/** Cilium's Ingress annotations (current and deprecated prefix) and the legacy class annotation. */
const CONTROLLER_ANNOTATIONS = ['ingress.cilium.io/', 'io.cilium.ingress/'] as const;

/**
 * An Ingress routes a host name of the cluster's one load balancer, shared by every organization,
 * so a tenant's Ingress must stay inside its organization's names:
 * - every `spec.rules[].host` is under `.<organization>.<domain>`, the organization read from the
 *   namespace's label (which tenants cannot change), so one policy serves every organization of a
 *   shared cluster; a rule without a host would catch every name, so it is refused, and so is
 *   `spec.defaultBackend` (it catches whatever no other Ingress claims);
 * - `ingressClassName` is the platform's (`cilium`): no other controller is installed, and one
 *   added later must not be reachable by tenants unreviewed;
 * - no `spec.tls`: TLS ends at the load balancer with the organization's certificate; a tenant TLS
 *   section would only have Cilium copy the named Secret into its own namespace;
 * - no Cilium Ingress annotation: `loadbalancer-mode: dedicated` and `service-type` would create a
 *   Service of the tenant's choosing, and the others change the shared listener.
 * Without an ingress domain (spec.ingress absent) every Ingress is refused.
 */
export function ingressValidations(domain: string | undefined): {
  variables: { name: string; expression: string }[];
  validations: { expression: string; message: string; reason: string }[];
} {
  if (domain === undefined) {
    return {
      variables: [],
      validations: [
        {
          expression: 'false',
          message: 'this cluster has no ingress domain (spec.ingress): Ingress objects are refused',
          reason: 'Forbidden',
        },
      ],
    };
  }
  const annotations = [
    ...CONTROLLER_ANNOTATIONS.map((prefix) => `!k.startsWith('${prefix}')`),
    "k != 'kubernetes.io/ingress.class'",
  ].join(' && ');
  return {
    variables: [
      {
        name: 'hostSuffix',
        expression: `'.' + namespaceObject.metadata.labels['${LABEL_ORGANIZATION}'] + '.${domain}'`,
      },
    ],
    validations: [
      {
        expression:
          'has(object.spec.rules) && size(object.spec.rules) != 0 && object.spec.rules.all(r, has(r.host) && r.host.endsWith(variables.hostSuffix))',
        message: `spec.rules[].host must be a host of the namespace's organization: <name>.<organization>.${domain} (a rule without a host is refused)`,
        reason: 'Forbidden',
      },
      {
        expression: '!has(object.spec.defaultBackend)',
        message:
          'spec.defaultBackend is not allowed in a tenant namespace (it catches every host of the cluster)',
        reason: 'Forbidden',
      },
      {
        expression: `has(object.spec.ingressClassName) && object.spec.ingressClassName == '${INGRESS_CLASS}'`,
        message: `spec.ingressClassName must be '${INGRESS_CLASS}', the platform's ingress class`,
        reason: 'Forbidden',
      },
      {
        expression: '!has(object.spec.tls) || size(object.spec.tls) == 0',
        message: `spec.tls is not allowed in a tenant namespace: TLS ends at the cluster's load balancer with the organization's certificate (*.<organization>.${domain})`,
        reason: 'Forbidden',
      },
      {
        expression: `!has(object.metadata.annotations) || object.metadata.annotations.all(k, ${annotations})`,
        message:
          "ingress.cilium.io/* and kubernetes.io/ingress.class annotations are not allowed in a tenant namespace (load balancer mode, Service type and listener are the platform's)",
        reason: 'Forbidden',
      },
    ],
  };
}

interface PolicyParts {
  readonly name: string;
  readonly resourceRule: { apiGroups: string[]; apiVersions: string[]; resources: string[] };
  readonly variables?: readonly { name: string; expression: string }[];
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
          ...(parts.variables && parts.variables.length > 0
            ? { variables: parts.variables.map((variable) => ({ ...variable })) }
            : {}),
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

/**
 * Every admission policy on tenant namespaces, with its binding. `ingressDomain` is the cluster's
 * (spec.ingress.domain); without it every tenant Ingress is refused.
 */
export function tenantAdmissionPolicies(
  kubernetesVersion: string,
  labels: Record<string, string>,
  ingressDomain?: string,
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
    ...tenantPolicy(
      {
        name: INGRESS_POLICY,
        resourceRule: { apiGroups: ['networking.k8s.io'], apiVersions: ['v1'], resources: ['ingresses'] },
        ...ingressValidations(ingressDomain),
      },
      apiVersion,
      labels,
    ),
  ];
}
