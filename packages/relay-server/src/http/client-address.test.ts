import { describe, expect, it } from 'vitest';
import { addressKey, isTrustedProxy } from './client-address.js';

describe('client addresses', () => {
  it('counts an IPv6 client by its /64 and an IPv4-mapped one as its IPv4 address', () => {
    expect(addressKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2::ffff')).toBe(addressKey('2001:db8:1:2:1:2:3:4'));
    expect(addressKey('2001:db8:1:3::1')).not.toBe(addressKey('2001:db8:1:2::1'));
    expect(addressKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('not an address')).toBe('not an address');
  });

  it('knows which socket peers are trusted proxies', () => {
    expect(isTrustedProxy(false)('10.0.0.1')).toBe(false);
    expect(isTrustedProxy(0)('10.0.0.1')).toBe(false);
    expect(isTrustedProxy(1)('203.0.113.9')).toBe(true);
    const listed = isTrustedProxy('172.28.0.10, loopback');
    expect([listed('172.28.0.10'), listed('127.0.0.1'), listed('172.28.0.11')]).toEqual([true, true, false]);
  });
});
