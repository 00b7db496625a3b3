import proxyAddr from '@fastify/proxy-addr';
import ipaddr from 'ipaddr.js';
import type { RelayConfig } from '../config.js';

/**
 * What `trustProxy` means, in one place: Fastify's setting (which address a request comes
 * from) and whether a socket's peer is a proxy whose connections carry many clients.
 *
 * Fastify's own hop count trusts nothing (it cannot tell a proxy from a client that wrote
 * the header itself), so a count becomes "trust this many hops from the socket", which is
 * right when the relay is reachable only through that many proxies (docs/security.md).
 */
export function fastifyTrust(trust: RelayConfig['trustProxy']): boolean | string | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust;
}

/** Whether a socket's peer is a proxy `trustProxy` trusts: every peer for `true` or a hop count, the listed ones for a list. */
export function isTrustedProxy(trust: RelayConfig['trustProxy']): (address: string) => boolean {
  if (trust === false || trust === 0) return () => false;
  if (trust === true || typeof trust === 'number') return () => true;
  const trusted = proxyAddr.compile(trust.split(',').map((entry) => entry.trim()));
  return (address) => trusted(address, 0);
}

/**
 * The key per-address limits count a client under: an IPv4 address as it is (an IPv4-mapped
 * IPv6 one as its IPv4), an IPv6 address by its /64, which one subscriber holds whole and
 * could otherwise spread over 2^64 addresses.
 */
export function addressKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const ip = ipaddr.process(address);
  if (ip.kind() === 'ipv4') return ip.toString();
  const parts = (ip as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16));
  return `${parts.join(':')}::/64`;
}
