import { type LookupAddress, type LookupOptions, lookup as lookupCallback } from 'node:dns';
import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { Agent } from 'undici';
import { RelayError } from '../errors.js';

/**
 * The guard of every request the relay makes to a URL someone else chose (app webhooks, link
 * previews): only public unicast addresses, checked before the call and again at connect.
 */

/** An absolute http(s) URL, or BAD_REQUEST. */
export function parseHttpUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RelayError('BAD_REQUEST', `${url.slice(0, 100)} is not a URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new RelayError('BAD_REQUEST', 'Only http and https URLs are called');
  return parsed;
}

/**
 * Why an address is not public unicast (loopback, private, link-local, carrier-grade NAT,
 * multicast, unspecified, or an IPv6 form that embeds one of those), or `null` when it is.
 */
export function nonPublicRange(address: string): string | null {
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6') {
    const v6 = ip as ipaddr.IPv6;
    // IPv4-mapped (::ffff:a.b.c.d) and the deprecated IPv4-compatible (::a.b.c.d) forms reach the IPv4 address inside.
    if (v6.isIPv4MappedAddress()) ip = v6.toIPv4Address();
    else if (v6.parts.slice(0, 6).every((part) => part === 0) && (v6.parts[6] !== 0 || (v6.parts[7] ?? 0) > 1))
      ip = ipaddr.fromByteArray(v6.toByteArray().slice(12));
  }
  const range = ip.range();
  return range === 'unicast' ? null : range;
}

function refused(host: string, address: string, range: string, allowedBy?: string): RelayError {
  const hint = allowedBy ? `; set ${allowedBy} to allow it` : '';
  return new RelayError('WEBHOOK_ADDRESS_REFUSED', `The host ${host} resolves to ${address} (${range})${hint}`);
}

/**
 * Refuses a URL whose host is, or resolves to, an address that is not public unicast:
 * loopback, private (RFC 1918, unique local), link-local (cloud metadata at 169.254.169.254),
 * carrier-grade NAT, multicast, unspecified. Checked before every call (and when a webhook
 * endpoint is registered); the call itself connects only through {@link publicLookup}, so a
 * name that resolves differently a moment later (DNS rebinding) is refused too. `allowedBy`
 * names the setting that would allow it, for the message.
 */
export async function assertPublicUrl(url: string, allowedBy?: string, resolve: typeof lookup = lookup): Promise<URL> {
  const parsed = parseHttpUrl(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const addresses = ipaddr.isValid(host) ? [host] : (await resolve(host, { all: true }).catch(() => [])).map((a) => a.address);
  if (addresses.length === 0) throw new RelayError('BAD_REQUEST', `The host ${host} does not resolve`);
  for (const address of addresses) {
    const range = nonPublicRange(address);
    if (range) throw refused(host, address, range, allowedBy);
  }
  return parsed;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `dns.lookup` for the sockets of guarded calls: it resolves the name, and fails the
 * connection when the address it is about to use is not public, so what is checked is what
 * is connected to.
 */
export function publicLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  lookupCallback(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const list = addresses as LookupAddress[];
    for (const { address } of list) {
      const range = nonPublicRange(address);
      if (range) return callback(Object.assign(refused(hostname, address, range), { errno: -1, syscall: 'lookup' }), []);
    }
    if (options.all) return callback(null, list);
    const [first] = list;
    if (!first) return callback(Object.assign(new Error(`${hostname} does not resolve`), { code: 'ENOTFOUND' }), []);
    callback(null, first.address, first.family);
  });
}

let agent: Agent | undefined;
/** The dispatcher of guarded calls: every connection goes through {@link publicLookup}. */
export function publicOnly(): Agent {
  agent ??= new Agent({ connect: { lookup: publicLookup } });
  return agent;
}
