/**
 * An organization: a tenant with a resource ceiling (the sum of all its namespace quotas) and a
 * maximum number of environments. Validated with the same field-named issues as the environment spec.
 */
import * as z from 'zod/mini';
import './spec/locale.js';
import { fromZodIssues, type Validation } from './spec/issues.js';
import { ResourceQuota } from './spec/quota.js';

export { OrganizationName } from './spec/names.js';
export {
  checkOrganizationQuota,
  type QuotaCheck,
  type QuotaTotals,
  sumNamespaceQuotas,
} from './spec/quota.js';

export const Organization = z.strictObject({
  displayName: z
    .string({ error: 'must be a string' })
    .check(
      z.trim(),
      z.minLength(1, { error: 'must not be empty' }),
      z.maxLength(100, { error: 'must be at most 100 characters' }),
    ),
  quota: ResourceQuota,
  maxEnvironments: z
    .int({ error: 'must be an integer' })
    .check(z.gte(1, { error: 'must be at least 1' }), z.lte(100, { error: 'must be at most 100' })),
});

export type Organization = z.infer<typeof Organization>;

/** Validates an organization document; every issue names its field (`quota.memory: ...`). */
export function validateOrganization(input: unknown): Validation<Organization> {
  const parsed = Organization.safeParse(input);
  return parsed.success
    ? { ok: true, spec: parsed.data }
    : { ok: false, issues: fromZodIssues(parsed.error.issues, 'organization') };
}
