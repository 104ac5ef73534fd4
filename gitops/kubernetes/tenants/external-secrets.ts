/**
 * Tenant secrets through External Secrets Operator (installed by the platform Application in
 * gitops/kubernetes/secrets/): one SecretStore per tenant namespace, backed by AWS Secrets Manager
 * under the organization's own prefix and read through an IAM role that reads that prefix only:
 * - a dedicated environment: the organization's own role (Terraform's tenant-secrets module,
 *   `role/slipway/tenant-secrets/<cluster>/<org>/…`), whose policy names the prefix;
 * - a shared cluster's tenant: the cluster's one tenant role (`role/slipway/tenant-secrets/<cluster>/…`),
 *   assumed with the session tag `slipway-org = <org>` (the store's `sessionTags`); its policy reads
 *   `slipway-tenants/${aws:PrincipalTag/slipway-org}/*`, so IAM resolves the prefix from the tag the
 *   platform-rendered store carries, and no tenant Terraform is needed. Tenants
 * write ExternalSecrets (allow-listed) that name keys relative to that prefix; they can neither
 * create stores (SecretStore and ClusterSecretStore are not on the allow-list, and the
 * ClusterSecretStore kind is not even installed) nor point an ExternalSecret elsewhere (admission
 * policy, admission.ts).
 *
 * kubernetes-models has no External Secrets types, so the two kinds are typed here on its Model base
 * class and validated with a strict schema of the fields Slipway writes.
 */
import { Model } from '@kubernetes-models/base';
import * as z from 'zod';

export const EXTERNAL_SECRETS_API_VERSION = 'external-secrets.io/v1';
/** The one store of every tenant namespace; ExternalSecrets must name it (admission.ts). */
export const TENANT_SECRET_STORE = 'slipway-secrets';

/**
 * Secrets Manager prefix of an organization's secrets. Not under `slipway/`: that holds the
 * environments' own secrets (`slipway/<org>/<env>/...`), and an organization named `tenants` would
 * then own a prefix of theirs. The trailing slash keeps `acme` out of `acme-corp`.
 */
export function tenantSecretPrefix(organization: string): string {
  return `slipway-tenants/${organization}/`;
}

/** The session tag naming the organization on a shared cluster's tenant role (modules/tenant-secrets). */
export const ORGANIZATION_SESSION_TAG = 'slipway-org';

/** What Terraform's tenant-secrets module names the organization's own role (path carries cluster and org). */
function isOwnRoleOf(roleArn: string, organization: string): boolean {
  const match =
    /^arn:aws[a-z-]*:iam::\d{12}:role\/slipway\/tenant-secrets\/([a-z0-9-]+)\/([a-z0-9-]+)\/[A-Za-z0-9+=,.@_-]{1,64}$/.exec(
      roleArn,
    );
  return match?.[2] === organization;
}

/** A shared cluster's one tenant role: directly under its cluster's path, no organization in it. */
export function isSharedTenantSecretsRole(roleArn: string): boolean {
  return /^arn:aws[a-z-]*:iam::\d{12}:role\/slipway\/tenant-secrets\/[a-z0-9-]+\/[A-Za-z0-9+=,.@_-]{1,64}$/.test(
    roleArn,
  );
}

/** A role this organization's SecretStore may use: its own, or a shared cluster's (scoped by the session tag). */
export function isTenantSecretsRoleOf(roleArn: string, organization: string): boolean {
  return isOwnRoleOf(roleArn, organization) || isSharedTenantSecretsRole(roleArn);
}

const SecretStoreSchema = z.strictObject({
  apiVersion: z.literal(EXTERNAL_SECRETS_API_VERSION),
  kind: z.literal('SecretStore'),
  metadata: z.strictObject({
    name: z.string().min(1),
    namespace: z.string().min(1),
    labels: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.strictObject({
    provider: z.strictObject({
      aws: z.strictObject({
        service: z.literal('SecretsManager'),
        region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/),
        role: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\//),
        prefix: z.string().regex(/^slipway-tenants\/[a-z0-9-]+\/$/),
        // External Secrets' AWS provider (external-secrets.io/v1 AWSProvider.sessionTags, []Tag{key, value}).
        sessionTags: z
          .array(
            z.strictObject({
              key: z.literal(ORGANIZATION_SESSION_TAG),
              value: z.string().regex(/^[a-z0-9-]+$/),
            }),
          )
          .length(1)
          .optional(),
      }),
    }),
  }),
});

export type SecretStoreData = Omit<z.infer<typeof SecretStoreSchema>, 'apiVersion' | 'kind'>;

/** An External Secrets `SecretStore` (external-secrets.io/v1), as Slipway renders it. */
export class SecretStore extends Model<SecretStoreData> {
  constructor(data: SecretStoreData) {
    super();
    this.setDefinedProps({
      apiVersion: EXTERNAL_SECRETS_API_VERSION,
      kind: 'SecretStore',
      ...data,
    } as SecretStoreData);
  }
  override validate(): void {
    const result = SecretStoreSchema.safeParse(this.toJSON());
    if (!result.success) {
      throw new Error(
        `SecretStore: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
  }
}

/**
 * The tenant namespace's SecretStore: Secrets Manager in the environment's region, through the
 * organization's role (assumed by the controller with the node role), every key prefixed with the
 * organization's prefix. The role's IAM policy reads that prefix only, so even a key that names
 * another organization's secret comes back AccessDenied. Through a shared cluster's tenant role, the
 * store carries the session tag `slipway-org = <organization>`: the prefix that role's policy reads
 * is the tag's. (No `transitiveTagKeys`: the store assumes one role, no chain.)
 */
export function tenantSecretStore(
  namespace: string,
  organization: string,
  region: string,
  roleArn: string,
  labels: Record<string, string>,
): SecretStore {
  return new SecretStore({
    metadata: { name: TENANT_SECRET_STORE, namespace, labels },
    spec: {
      provider: {
        aws: {
          service: 'SecretsManager',
          region,
          role: roleArn,
          prefix: tenantSecretPrefix(organization),
          ...(isSharedTenantSecretsRole(roleArn)
            ? { sessionTags: [{ key: ORGANIZATION_SESSION_TAG, value: organization }] }
            : {}),
        },
      },
    },
  });
}
