import type { ConversationDetail } from '@chat4all/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, type RunningRelay, startRelay, tusMetadata } from './fixtures.js';

describe('downloads: nothing an uploader sends runs from the relay’s origin, and no token goes in a URL', () => {
  let relay: RunningRelay;
  let ana: { id: string; token: string };
  let bob: { id: string; token: string };
  let eve: { id: string; token: string };
  let conversationId: string;

  beforeAll(async () => {
    relay = await startRelay({ uploads: { linkTtlSeconds: 60 } });
    [ana, bob, eve] = [await relay.user(), await relay.user(), await relay.user()];
    conversationId = (
      await relay.http<ConversationDetail>('POST', '/v1/conversations', {
        as: API_KEY,
        body: { type: 'group', createdBy: ana.id, memberIds: [bob.id] },
      })
    ).body.id;
  });
  afterAll(() => relay.close());

  const upload = async (bytes: string, meta: Record<string, string>, rawMetadata?: string) => {
    const response = await fetch(`${relay.url}/v1/uploads`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ana.token}`,
        'tus-resumable': '1.0.0',
        'upload-length': String(Buffer.byteLength(bytes)),
        'upload-metadata': rawMetadata ?? tusMetadata({ conversationId, ...meta }),
        'content-type': 'application/offset+octet-stream',
      },
      body: bytes,
    });
    return { status: response.status, id: response.headers.get('location')?.split('/').pop() as string, body: await response.text() };
  };
  const link = async (uploadId: string, as = bob.token) => {
    const response = await relay.http<{ url: string; expiresAt: string }>('POST', `/v1/uploads/${uploadId}/link`, { as });
    return response;
  };

  it('serves HTML, SVG, XML and unknown types as attachments with nosniff and a script-free CSP; raster images inline', async () => {
    const script = '<script>fetch("/steal?" + location.search)</script>';
    const cases = [
      { filetype: 'text/html', filename: 'page.html', body: `<html>${script}</html>`, disposition: 'attachment' },
      {
        filetype: 'image/svg+xml',
        filename: 'x.svg',
        body: `<svg xmlns="http://www.w3.org/2000/svg">${script}</svg>`,
        disposition: 'attachment',
      },
      { filetype: 'application/xml', filename: 'x.xml', body: '<a/>', disposition: 'attachment' },
      { filetype: 'application/x-whatever', filename: 'x.bin', body: script, disposition: 'attachment' },
      { filetype: 'text/plain', filename: 'x.txt', body: script, disposition: 'attachment' },
      { filetype: 'image/png', filename: 'x.png', body: '\u0089PNG', disposition: 'inline' },
      { filetype: 'video/mp4', filename: 'x.mp4', body: 'mp4', disposition: 'inline' },
    ];
    for (const item of cases) {
      const created = await upload(item.body, { filetype: item.filetype, filename: item.filename });
      expect(created.status).toBe(201);
      const signed = await link(created.id);
      expect(signed.status).toBe(200);
      const response = await fetch(`${relay.url}${signed.body.url}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(response.headers.get('content-security-policy')).toContain('sandbox');
      expect(response.headers.get('content-disposition')).toBe(`${item.disposition}; filename="${item.filename}"`);
      expect(response.headers.get('content-type')).toBe(item.filetype);
      expect(await response.text()).toBe(item.body);
    }
  });

  it('refuses a declared type with CR/LF, NUL or no subtype, and a file name with control characters, at creation', async () => {
    const bad: Array<Record<string, string>> = [
      { filetype: 'text/html\r\nSet-Cookie: a=b' },
      { filetype: 'image/png\u0000' },
      { filetype: 'html' },
      { filetype: 'text/html; x="y"' },
      { filename: 'a\r\nb.txt' },
      { filename: 'nul\u0000.txt' },
    ];
    for (const meta of bad) {
      const created = await upload('x', meta);
      expect({ meta, status: created.status }).toEqual({ meta, status: 400 });
      expect(JSON.parse(created.body)).toMatchObject({ code: 'BAD_REQUEST' });
    }
    // A multipart part's own Content-Type, written raw: a browser's FormData would clean it.
    const boundary = 'c4a-boundary';
    const body = [
      `--${boundary}`,
      'Content-Disposition: form-data; name="file"; filename="x.html"',
      'Content-Type: text/html"><script>',
      '',
      '<b>x</b>',
      `--${boundary}--`,
      '',
    ].join('\r\n');
    const multipart = await fetch(`${relay.url}/v1/conversations/${conversationId}/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ana.token}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body,
    });
    expect(multipart.status).toBe(400);
    const page = await relay.http<{ code: string }>('GET', `/v1/conversations/${conversationId}/messages`, { as: ana.token });
    expect(page.status).toBe(200);
  });

  it('takes no access token in a URL; signed links are short-lived, bound to the file and the member, and keep Range and caching', async () => {
    const created = await upload('0123456789', { filetype: 'image/png', filename: 'n.png' });
    const tokenInUrl = await fetch(`${relay.url}/v1/uploads/${created.id}?access_token=${bob.token}`);
    expect(tokenInUrl.status).toBe(401);
    expect(await tokenInUrl.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    // Not even beside a signed link.
    const signedFirst = await link(created.id);
    const withLink = await fetch(`${relay.url}${signedFirst.body.url}&access_token=${bob.token}`);
    expect(withLink.status).toBe(401);
    // Header tokens still work for apps that fetch with them.
    const withHeader = await fetch(`${relay.url}/v1/uploads/${created.id}`, { headers: { authorization: `Bearer ${bob.token}` } });
    expect(withHeader.status).toBe(200);

    const signed = await link(created.id);
    const url = new URL(signed.body.url, relay.url);
    expect(url.searchParams.get('user')).toBe(bob.id);
    expect(url.search).not.toContain(bob.token);
    const lifetime = Date.parse(signed.body.expiresAt) - Date.now();
    expect(lifetime).toBeGreaterThan(55_000);
    expect(lifetime).toBeLessThanOrEqual(120_000);
    // Asked again within the period: the same URL, so the browser's cache holds.
    expect((await link(created.id)).body.url).toBe(signed.body.url);

    // A range outside the file: 416 with its size, and none of the file's caching headers.
    const outside = await fetch(url, { headers: { range: 'bytes=50-60' } });
    expect(outside.status).toBe(416);
    expect(outside.headers.get('content-range')).toBe('bytes */10');
    expect(outside.headers.get('etag')).toBeNull();
    expect(await outside.json()).toMatchObject({ code: 'RANGE_NOT_SATISFIABLE' });
    const part = await fetch(url, { headers: { range: 'bytes=2-4' } });
    expect(part.status).toBe(206);
    expect(await part.text()).toBe('234');
    const etag = part.headers.get('etag') as string;
    const again = await fetch(url, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('cache-control')).toContain('private');

    const forge = (name: string, value: string) => {
      const copy = new URL(url);
      copy.searchParams.set(name, value);
      return fetch(copy);
    };
    expect((await forge('user', eve.id)).status).toBe(401);
    expect((await forge('expires', String(Date.parse(signed.body.expiresAt) + 60_000))).status).toBe(401);
    expect((await forge('expires', String(Date.now() - 1))).status).toBe(401);
    expect((await forge('signature', 'A'.repeat(43))).status).toBe(401);
    const elsewhere = await upload('other', { filetype: 'image/png', filename: 'o.png' });
    expect((await fetch(new URL(`/v1/uploads/${elsewhere.id}${url.search}`, relay.url))).status).toBe(401);

    // Not a member: no link, and nothing that says the file exists.
    expect(await link(created.id, eve.token)).toMatchObject({ status: 404, body: { code: 'UPLOAD_NOT_FOUND' } });
    // A member removed: their links stop working at once.
    const removed = await relay.http('DELETE', `/v1/conversations/${conversationId}/members/${bob.id}`, { as: API_KEY });
    expect(removed.status).toBe(204);
    expect((await fetch(url)).status).toBe(404);
  });
});
