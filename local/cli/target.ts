/** `<org>/<env>` and `<org>` arguments, checked before any request is sent. */
import { isDns1123Label } from '../../functions/domain/spec/names.js';
import { UsageError } from './exit-codes.js';

export interface EnvironmentTarget {
  readonly organization: string;
  readonly environment: string;
}

export function parseOrganization(text: string): string {
  if (!isDns1123Label(text)) {
    throw new UsageError(`"${text}" is not an organization name (lower-case letters, digits and '-')`);
  }
  return text;
}

export function parseEnvironmentTarget(text: string): EnvironmentTarget {
  const parts = text.split('/');
  if (parts.length !== 2) throw new UsageError(`"${text}" is not <org>/<env> (for example acme/prod)`);
  const [organization = '', environment = ''] = parts;
  parseOrganization(organization);
  if (!isDns1123Label(environment)) {
    throw new UsageError(`"${environment}" is not an environment name (lower-case letters, digits and '-')`);
  }
  return { organization, environment };
}

export function targetLabel(target: EnvironmentTarget): string {
  return `${target.organization}/${target.environment}`;
}
