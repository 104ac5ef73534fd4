import * as z from 'zod/mini';
import './locale.js';

/**
 * The cluster's ingress: tenants' host names are `<anything>.<organization>.<domain>`, served by
 * the cluster's one load balancer with a certificate per organization (`*.<organization>.<domain>`)
 * validated in the Route 53 hosted zone `hostedZoneId`, which holds `domain`.
 */

/**
 * A DNS name: lower-case labels of letters, digits and '-', at least two of them, no wildcard, no
 * trailing dot. At most 190 characters, so `<name>.<organization>.<domain>` (an organization name
 * is at most 38 characters, a cluster name at most 40) stays within DNS's 253.
 */
export const INGRESS_DOMAIN_MAX = 190;
const DNS_NAME = /^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export const IngressDomain = z.string().check(
  z.maxLength(INGRESS_DOMAIN_MAX, { error: `must be at most ${INGRESS_DOMAIN_MAX} characters` }),
  z.regex(DNS_NAME, {
    error:
      'must be a lower-case DNS name such as "apps.example.com" (at least two labels, no wildcard, no trailing dot)',
  }),
);

/** A Route 53 hosted zone id, as the console shows it (without the "/hostedzone/" prefix). */
export const HostedZoneId = z.string().check(
  z.regex(/^Z[A-Z0-9]{1,31}$/, {
    error: 'must be a Route 53 hosted zone id such as "Z0123456789ABCDEFGHIJ"',
  }),
);

export const IngressSpec = z.strictObject({ domain: IngressDomain, hostedZoneId: HostedZoneId });
export type IngressSpec = z.infer<typeof IngressSpec>;

/** Where an organization's hosts live: `.<organization>.<domain>` (every host ends with it). */
export function organizationHostSuffix(organization: string, domain: string): string {
  return `.${organization}.${domain}`;
}

/** The TCP ports Cilium parses as HTTP in a namespace that opts in to L7 visibility, by default. */
export const DEFAULT_HTTP_PORTS = [80, 8080] as const;

const Port = z
  .int({ error: 'must be an integer' })
  .check(z.gte(1, { error: 'must be at least 1' }), z.lte(65_535, { error: 'must be at most 65535' }));

/**
 * A namespace's network observability. `l7Http: true` has Cilium parse the HTTP requests reaching
 * the namespace's pods on `httpPorts` (default 80 and 8080), so Hubble's HTTP metrics and flows
 * show them per namespace; traffic on those ports must then be HTTP (anything else is dropped by
 * the proxy). Off by default: the proxy costs latency and CPU.
 */
export const NamespaceObservability = z
  .strictObject({
    l7Http: z.optional(z.boolean({ error: 'must be true or false' })),
    httpPorts: z.optional(
      z
        .array(Port)
        .check(
          z.minLength(1, { error: 'must list at least one port' }),
          z.maxLength(8, { error: 'must list at most 8 ports' }),
        ),
    ),
  })
  .check(
    z.superRefine((observability, ctx) => {
      const ports = observability.httpPorts ?? [];
      if (ports.length > 0 && observability.l7Http !== true) {
        ctx.addIssue({
          code: 'custom',
          path: ['httpPorts'],
          message: 'only applies with l7Http: true',
        });
      }
      ports.forEach((port, index) => {
        if (ports.indexOf(port) !== index) {
          ctx.addIssue({
            code: 'custom',
            path: ['httpPorts', index],
            message: `${port} is listed twice`,
          });
        }
      });
    }),
  );
export type NamespaceObservability = z.infer<typeof NamespaceObservability>;

/** The ports to parse as HTTP in a namespace, or none when it has not opted in. */
export function l7HttpPorts(observability: NamespaceObservability | undefined): readonly number[] {
  if (observability?.l7Http !== true) return [];
  return observability.httpPorts ?? DEFAULT_HTTP_PORTS;
}
