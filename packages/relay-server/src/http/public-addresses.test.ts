import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { nonPublicRange, publicOnly } from './public-addresses.js';

describe('public addresses', () => {
  it('sees through every IPv6 spelling of an IPv4 address', () => {
    expect(nonPublicRange('::127.0.0.1')).toBe('loopback');
    expect(nonPublicRange('::ffff:10.1.2.3')).toBe('private');
    expect(nonPublicRange('::a9fe:a9fe')).toBe('linkLocal');
    expect(nonPublicRange('::1')).toBe('loopback');
    expect(nonPublicRange('::')).toBe('unspecified');
    expect(nonPublicRange('64:ff9b::7f00:1')).not.toBeNull();
    expect(nonPublicRange('8.8.8.8')).toBeNull();
    expect(nonPublicRange('::8.8.8.8')).toBeNull();
    expect(nonPublicRange('2606:4700::1111')).toBeNull();
  });

  it('checks the address a call actually connects to, so a name that resolves to a private address is refused at connect (DNS rebinding)', async () => {
    let reached = 0;
    const server = createServer((_request, response) => {
      reached++;
      response.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      // As if the name had resolved to a public address when it was checked and to loopback now.
      const call = fetch(`http://localhost:${port}/hook`, { method: 'POST', body: '{}', dispatcher: publicOnly() } as RequestInit);
      const error = await call.then(
        () => null,
        (failure: unknown) => failure as Error & { cause?: { code?: string } },
      );
      expect(error?.cause?.code).toBe('WEBHOOK_ADDRESS_REFUSED');
      expect(reached).toBe(0);
      // The same server by its public-looking literal is not this check's business: literals are checked before the call.
      const direct = await fetch(`http://127.0.0.1:${port}/hook`);
      expect(await direct.text()).toBe('ok');
    } finally {
      server.close();
    }
  });
});
