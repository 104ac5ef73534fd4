import { Application, ApplicationSet, AppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';
import { CiliumClusterwideNetworkPolicy, CiliumNetworkPolicy } from '@kubernetes-models/cilium/cilium.io/v2';
import {
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
} from 'kubernetes-models/admissionregistration.k8s.io/v1';
import {
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
} from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { StorageClass } from 'kubernetes-models/storage.k8s.io/v1';
import {
  ConfigMap,
  LimitRange,
  Namespace,
  ResourceQuota,
  Secret,
  ServiceAccount,
} from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';

interface Validatable {
  validate(): void;
}
type ModelConstructor = new (data: unknown) => Validatable;

/** kubernetes-models class by `apiVersion/kind`, for every kind Slipway writes. */
const MODELS: Record<string, ModelConstructor> = {
  'v1/Namespace': Namespace as unknown as ModelConstructor,
  'v1/ResourceQuota': ResourceQuota as unknown as ModelConstructor,
  'v1/LimitRange': LimitRange as unknown as ModelConstructor,
  'v1/ConfigMap': ConfigMap as unknown as ModelConstructor,
  'v1/Secret': Secret as unknown as ModelConstructor,
  'v1/ServiceAccount': ServiceAccount as unknown as ModelConstructor,
  'storage.k8s.io/v1/StorageClass': StorageClass as unknown as ModelConstructor,
  'rbac.authorization.k8s.io/v1/Role': Role as unknown as ModelConstructor,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding as unknown as ModelConstructor,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole as unknown as ModelConstructor,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding as unknown as ModelConstructor,
  'cilium.io/v2/CiliumNetworkPolicy': CiliumNetworkPolicy as unknown as ModelConstructor,
  'cilium.io/v2/CiliumClusterwideNetworkPolicy':
    CiliumClusterwideNetworkPolicy as unknown as ModelConstructor,
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy':
    ValidatingAdmissionPolicy as unknown as ModelConstructor,
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding':
    ValidatingAdmissionPolicyBinding as unknown as ModelConstructor,
  'argoproj.io/v1alpha1/AppProject': AppProject as unknown as ModelConstructor,
  'argoproj.io/v1alpha1/Application': Application as unknown as ModelConstructor,
  'argoproj.io/v1alpha1/ApplicationSet': ApplicationSet as unknown as ModelConstructor,
};

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
}

/** Constructs the kubernetes-models class of a plain object and validates it; throws on a schema error. */
export function validateWithModel(object: KubeObject): void {
  // The beta admission API (Kubernetes 1.29) has the v1 schema; kubernetes-models only ships v1.
  if (object.apiVersion === 'admissionregistration.k8s.io/v1beta1') {
    validateWithModel({ ...object, apiVersion: 'admissionregistration.k8s.io/v1' });
    return;
  }
  const Model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (!Model) throw new Error(`no kubernetes-models class for ${object.apiVersion} ${object.kind}`);
  new Model(object).validate();
}

/** Every document of a multi-document YAML stream, as plain objects. */
export function parseYamlObjects(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(document.errors.map((e) => e.message).join('; '));
      return document.toJS() as KubeObject | null;
    })
    .filter((object): object is KubeObject => object !== null);
}
