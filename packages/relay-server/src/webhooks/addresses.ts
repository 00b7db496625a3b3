import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { RelayError } from '../errors.js';

/** An absolute http(s) URL, or BAD_REQUEST. */
export function parseWebhookUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RelayError('BAD_REQUEST', 'The webhook URL is not a URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new RelayError('BAD_REQUEST', 'Webhook URLs are http or https');
  return parsed;
}

/**
 * Refuses a webhook URL whose host is, or resolves to, an address that is not public
 * unicast: loopback, private (RFC 1918, unique local), link-local (cloud metadata at
 * 169.254.169.254), carrier-grade NAT, multicast, unspecified. Checked when an endpoint is
 * registered and again before every call, since DNS can change in between.
 */
export async function assertPublicUrl(url: string, resolve: typeof lookup = lookup): Promise<void> {
  const parsed = parseWebhookUrl(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const addresses = ipaddr.isValid(host) ? [host] : (await resolve(host, { all: true }).catch(() => [])).map((a) => a.address);
  if (addresses.length === 0) throw new RelayError('BAD_REQUEST', `The webhook host ${host} does not resolve`);
  for (const address of addresses) {
    let ip = ipaddr.parse(address);
    if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
    const range = ip.range();
    if (range !== 'unicast')
      throw new RelayError(
        'WEBHOOK_ADDRESS_REFUSED',
        `The webhook host ${host} resolves to ${address} (${range}); set webhooks.allowPrivateAddresses to allow it`,
      );
  }
}
