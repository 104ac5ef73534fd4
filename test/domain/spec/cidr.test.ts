import { describe, expect, it } from 'vitest';
import {
  cidrsOverlap,
  formatIpv4,
  type Ipv4Cidr,
  parseIpv4Cidr,
} from '../../../functions/domain/spec/cidr.js';

function parsed(text: string): Ipv4Cidr {
  const cidr = parseIpv4Cidr(text);
  if (typeof cidr === 'string') throw new Error(cidr);
  return cidr;
}

describe('parseIpv4Cidr', () => {
  it('reads the network address, prefix and size of a canonical block', () => {
    expect(parseIpv4Cidr('10.20.0.0/16')).toEqual({
      network: 10 * 2 ** 24 + 20 * 2 ** 16,
      prefix: 16,
      size: 65_536,
      text: '10.20.0.0/16',
    });
    expect(parseIpv4Cidr('255.255.255.255/32')).toEqual({
      network: 2 ** 32 - 1,
      prefix: 32,
      size: 1,
      text: '255.255.255.255/32',
    });
    expect(parseIpv4Cidr('0.0.0.0/0')).toMatchObject({ network: 0, size: 2 ** 32 });
  });

  it('says why a text is not a block: its shape, an octet over 255 or with a leading zero, the prefix, host bits', () => {
    expect(parseIpv4Cidr('10.20.0.0')).toBe(`'10.20.0.0' is not an IPv4 CIDR block (e.g. "10.20.0.0/16")`);
    expect(parseIpv4Cidr('256.0.0.0/8')).toBe("'256.0.0.0/8' has an invalid IPv4 address");
    expect(parseIpv4Cidr('10.0.0.256/32')).toBe("'10.0.0.256/32' has an invalid IPv4 address");
    expect(parseIpv4Cidr('10.020.0.0/16')).toBe("'10.020.0.0/16' has an invalid IPv4 address");
    expect(parseIpv4Cidr('10.0.0.0/33')).toBe("'10.0.0.0/33' has an invalid prefix length");
    expect(parseIpv4Cidr('10.0.0.0/08')).toBe("'10.0.0.0/08' has an invalid prefix length");
    expect(parseIpv4Cidr('10.20.0.1/16')).toBe(
      "'10.20.0.1/16' has host bits set: the network address is 10.20.0.0/16",
    );
    expect(parseIpv4Cidr('10.20.128.0/16')).toBe(
      "'10.20.128.0/16' has host bits set: the network address is 10.20.0.0/16",
    );
  });
});

describe('formatIpv4 and cidrsOverlap', () => {
  it('formats an address as four octets', () => {
    expect(formatIpv4(10 * 2 ** 24 + 20 * 2 ** 16 + 3 * 256 + 4)).toBe('10.20.3.4');
    expect(formatIpv4(2 ** 32 - 1)).toBe('255.255.255.255');
  });

  it('overlaps when either block starts inside the other, not when they only touch', () => {
    expect(cidrsOverlap(parsed('10.0.0.0/16'), parsed('10.0.128.0/17'))).toBe(true);
    expect(cidrsOverlap(parsed('10.0.128.0/17'), parsed('10.0.0.0/16'))).toBe(true);
    expect(cidrsOverlap(parsed('10.0.0.0/17'), parsed('10.0.128.0/17'))).toBe(false);
    expect(cidrsOverlap(parsed('10.0.128.0/17'), parsed('10.0.0.0/17'))).toBe(false);
  });
});
