/** IPv4 CIDR blocks: parsing, canonical form and overlap, for the network section of a spec. */

export interface Ipv4Cidr {
  /** Network address as an unsigned 32-bit integer. */
  readonly network: number;
  readonly prefix: number;
  /** Number of addresses in the block. */
  readonly size: number;
  readonly text: string;
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses "10.20.0.0/16"; returns a reason string instead of throwing, for validation messages. */
export function parseIpv4Cidr(text: string): Ipv4Cidr | string {
  const match = CIDR.exec(text);
  if (!match) return `'${text}' is not an IPv4 CIDR block (e.g. "10.20.0.0/16")`;
  const octets = match.slice(1, 5).map((part) => Number.parseInt(part, 10));
  if (octets.some((octet, index) => octet > 255 || String(octet) !== match[index + 1])) {
    return `'${text}' has an invalid IPv4 address`;
  }
  const prefix = Number.parseInt(match[5] ?? '', 10);
  if (prefix > 32 || String(prefix) !== match[5]) return `'${text}' has an invalid prefix length`;
  const address = octets.reduce((acc, octet) => acc * 256 + octet, 0);
  const size = 2 ** (32 - prefix);
  const network = address - (address % size);
  if (network !== address) {
    return `'${text}' has host bits set: the network address is ${formatIpv4(network)}/${prefix}`;
  }
  return { network, prefix, size, text };
}

export function formatIpv4(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join('.');
}

/** Two blocks overlap when either one's first address lies inside the other. */
export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return a.network < b.network + b.size && b.network < a.network + a.size;
}
