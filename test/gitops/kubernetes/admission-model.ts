/**
 * A MODEL of how the API server applies the rendered ValidatingAdmissionPolicies to one CREATE:
 * the binding's and the policy's namespace selectors, the resource rules, then the policy's
 * variables (in order) and validations, evaluated by the CEL model (cel-subset.ts).
 */
import { admits, evaluate } from './cel-subset.js';
import { type Selector, selects } from './cilium-rules.js';
import type { KubeObject } from './models.js';

export interface ResourceRule {
  apiGroups: string[];
  apiVersions: string[];
  operations: string[];
  resources: string[];
}
export interface PolicySpec {
  failurePolicy: string;
  matchConstraints: { namespaceSelector?: Selector; resourceRules: ResourceRule[] };
  variables?: { name: string; expression: string }[];
  validations: { expression: string; message: string }[];
}
export interface BindingSpec {
  policyName: string;
  validationActions: string[];
  matchResources?: { namespaceSelector?: Selector };
}

export const RESOURCES: Record<string, string> = {
  ExternalSecret: 'externalsecrets',
  Service: 'services',
  Deployment: 'deployments',
  ConfigMap: 'configmaps',
  PersistentVolumeClaim: 'persistentvolumeclaims',
  Ingress: 'ingresses',
};

/**
 * Whether the API server admits OBJECT created in a namespace labelled NAMESPACE_LABELS under the
 * rendered policies of CLUSTER: the binding's and the policy's namespace selectors, the resource
 * rules, then the policy's variables (in order) and validations, evaluated by the CEL model.
 */
export function admitted(
  object: KubeObject,
  namespaceLabels: Record<string, string>,
  cluster: readonly KubeObject[],
): boolean {
  const policies = cluster.filter((candidate) => candidate.kind === 'ValidatingAdmissionPolicy');
  const bindings = cluster.filter((candidate) => candidate.kind === 'ValidatingAdmissionPolicyBinding');
  const group = object.apiVersion.includes('/') ? (object.apiVersion.split('/')[0] ?? '') : '';
  const version = object.apiVersion.split('/').at(-1) ?? '';
  const resource = RESOURCES[object.kind];
  if (!resource) throw new Error(`add ${object.kind} to RESOURCES`);
  for (const binding of bindings) {
    const bindingSpec = binding.spec as BindingSpec;
    if (!selects(bindingSpec.matchResources?.namespaceSelector ?? {}, namespaceLabels)) continue;
    const policy = policies.find((candidate) => candidate.metadata.name === bindingSpec.policyName);
    if (!policy) throw new Error(`binding ${binding.metadata.name} names no rendered policy`);
    const spec = policy.spec as PolicySpec;
    if (!selects(spec.matchConstraints.namespaceSelector ?? {}, namespaceLabels)) continue;
    const matches = spec.matchConstraints.resourceRules.some(
      (rule) =>
        rule.apiGroups.includes(group) &&
        (rule.apiVersions.includes(version) || rule.apiVersions.includes('*')) &&
        rule.operations.includes('CREATE') &&
        rule.resources.includes(resource),
    );
    if (!matches) continue;
    const namespace = { metadata: { labels: namespaceLabels } };
    const variables: Record<string, unknown> = {};
    const env = { object, oldObject: null, namespaceObject: namespace, variables };
    for (const variable of spec.variables ?? []) {
      // An error in a variable fails every validation that reads it: fail closed, like the API server.
      try {
        variables[variable.name] = evaluate(variable.expression, env);
      } catch (error) {
        if (error instanceof Error && error.message.startsWith('CEL subset')) throw error;
        return !bindingSpec.validationActions.includes('Deny');
      }
    }
    if (!spec.validations.every((validation) => admits(validation.expression, env)))
      return !bindingSpec.validationActions.includes('Deny');
  }
  return true;
}
