/**
 * AWS names the environment spec carries to Terraform. Each pattern here is also written, character
 * for character, into the Terraform variables that receive the value (test/domain/spec/aws.test.ts
 * and the Terraform tests keep them equal): a spec the API accepts is one Terraform accepts.
 */

/**
 * An EC2 instance type: a family (`m6i`, `m7i-flex`, `u-6tb1`, `mac2-m2pro`) and a size (`large`,
 * `24xlarge`, `metal`, `metal-24xl`), each lower-case alphanumerics in hyphen-separated parts.
 * Mirrored in gitops/terraform: modules/compute, modules/cluster and both environment roots.
 */
export const INSTANCE_TYPE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*\.[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * The VPC prefix lengths Terraform's vpc module takes: /16 (AWS's largest VPC) to /24 (the smallest
 * that still gives each of three zones a /26 private and a /28 public subnet).
 */
export const VPC_PREFIX_MIN = 16;
export const VPC_PREFIX_MAX = 24;

/**
 * The cluster name `<organization>-<environment>` prefixes IAM role and EC2 resource names (IAM
 * name prefixes stop at 38 characters); Terraform's modules/cluster refuses a longer one.
 */
export const CLUSTER_NAME_MAX = 40;

export function clusterName(organization: string, environment: string): string {
  return `${organization}-${environment}`;
}
