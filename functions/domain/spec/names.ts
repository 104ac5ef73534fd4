import * as z from 'zod/mini';
import './locale.js';

/** RFC 1123 label, as Kubernetes requires for namespace names: lower-case alphanumerics and '-', ≤ 63. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS1123_LABEL_MAX = 63;

export function isDns1123Label(value: string): boolean {
  return value.length <= DNS1123_LABEL_MAX && DNS1123_LABEL.test(value);
}

const dns1123Label = (what: string) =>
  z.string().check(
    z.maxLength(DNS1123_LABEL_MAX, { error: `${what} must be at most ${DNS1123_LABEL_MAX} characters` }),
    z.regex(DNS1123_LABEL, {
      error: `${what} must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit`,
    }),
  );

export const OrganizationName = dns1123Label('an organization name');
export const EnvironmentName = dns1123Label('an environment name');
export const NamespaceName = dns1123Label('a namespace name');

/** The namespace in the cluster: `<org>-<env>-<name>`, so a namespace alone names its organization and environment. */
export function tenantNamespace(organization: string, environment: string, name: string): string {
  return `${organization}-${environment}-${name}`;
}
