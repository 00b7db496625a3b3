import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { assertPublicUrl, parseHttpUrl, publicOnly } from '../http/public-addresses.js';
import { linksIn } from './links.js';
import { clean, type UnfurlOptions, UnfurlRefused, unfurl } from './unfurl.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    }),
  );
});

/** A web page fake on a loopback port; `requests` lists what it was asked for. */
async function site(routes: Record<string, Handler>): Promise<{ url: string; port: number; requests: IncomingMessage[] }> {
  const requests: IncomingMessage[] = [];
  const server = createServer((request, response) => {
    requests.push(request);
    const route = routes[new URL(request.url ?? '/', 'http://x').pathname];
    if (route) route(request, response);
    else response.writeHead(404).end();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, port, requests };
}

const html =
  (body: string, type = 'text/html; charset=utf-8'): Handler =>
  (_request, response) =>
    response.writeHead(200, { 'content-type': type }).end(body);

/** Every loopback URL allowed: the fakes stand in for public sites. */
const open: UnfurlOptions = { guard: async (url) => parseHttpUrl(url), timeoutMs: 2000, maxBytes: 64 * 1024, maxRedirects: 3 };
/** The relay's guard as it is by default. */
const guarded: UnfurlOptions = { ...open, guard: (url) => assertPublicUrl(url), dispatcher: publicOnly() };

describe('unfurl', () => {
  it('reads OpenGraph tags, keeping only an https image', async () => {
    const page = await site({
      '/a': html(`<!doctype html><html><head>
        <meta property="og:title" content="A &amp; B">
        <meta property="og:description" content="  What it is\n about  ">
        <meta property="og:site_name" content="Example">
        <meta property="og:image" content="https://cdn.example/a.png">
        <title>ignored</title></head><body></body></html>`),
      '/http-image': html('<meta property="og:title" content="T"><meta property="og:image" content="/relative.png">'),
    });
    expect(await unfurl(`${page.url}/a`, open)).toEqual({
      url: `${page.url}/a`,
      title: 'A & B',
      description: 'What it is about',
      siteName: 'Example',
      imageUrl: 'https://cdn.example/a.png',
    });
    // Resolved against an http page, the image would be http: not kept.
    expect(await unfurl(`${page.url}/http-image`, open)).toMatchObject({ title: 'T', imageUrl: null });
  });

  it('falls back on <title> and the meta description', async () => {
    const page = await site({
      '/': html('<html><head><title>Plain &lt;page&gt;</title><meta name="Description" content="About it"></head></html>'),
    });
    expect(await unfurl(`${page.url}/`, open)).toEqual({
      url: `${page.url}/`,
      title: 'Plain <page>',
      description: 'About it',
      siteName: null,
      imageUrl: null,
    });
  });

  it('takes title, provider and thumbnail from the oEmbed endpoint the page names', async () => {
    const page = await site({
      '/video': html('<head><link rel="alternate" type="application/json+oembed" href="/oembed?u=video"></head>'),
      '/oembed': (_request, response) =>
        response.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            version: '1.0',
            type: 'video',
            title: 'A video',
            provider_name: 'Tube',
            thumbnail_url: 'https://img.tube.example/1.jpg',
          }),
        ),
    });
    expect(await unfurl(`${page.url}/video`, open)).toEqual({
      url: `${page.url}/video`,
      title: 'A video',
      description: null,
      siteName: 'Tube',
      imageUrl: 'https://img.tube.example/1.jpg',
    });
  });

  it('gives no preview of a page with nothing to show, and refuses what is not HTML or not there', async () => {
    const page = await site({
      '/empty': html('<html><body><p>no head</p></body></html>'),
      '/image': html('\x89PNG', 'image/png'),
      '/untyped': (_request, response) => response.writeHead(200).end('<title>x</title>'),
    });
    expect(await unfurl(`${page.url}/empty`, open)).toBeNull();
    await expect(unfurl(`${page.url}/image`, open)).rejects.toBeInstanceOf(UnfurlRefused);
    await expect(unfurl(`${page.url}/untyped`, open)).rejects.toBeInstanceOf(UnfurlRefused);
    await expect(unfurl(`${page.url}/missing`, open)).rejects.toBeInstanceOf(UnfurlRefused);
  });

  it('drops javascript:, data: and http image URLs, and trims what is too long', async () => {
    const long = 'T'.repeat(5000);
    const page = await site({
      '/js': html(`<meta property="og:title" content="${long}"><meta property="og:image" content="javascript:alert(1)">`),
      '/data': html('<meta property="og:title" content="x"><meta property="og:image" content="data:image/png;base64,AAAA">'),
      '/http': html('<meta property="og:title" content="x"><meta property="og:image" content="http://cdn.example/a.png">'),
    });
    const js = await unfurl(`${page.url}/js`, open);
    expect(js?.imageUrl).toBeNull();
    expect(js?.title).toHaveLength(200);
    expect(js?.title?.endsWith('…')).toBe(true);
    expect((await unfurl(`${page.url}/data`, open))?.imageUrl).toBeNull();
    expect((await unfurl(`${page.url}/http`, open))?.imageUrl).toBeNull();
  });

  it('reads malformed HTML as a browser would, without throwing', async () => {
    const page = await site({
      '/': html('<title>Broken <b>title</title><meta property="og:description" content="unclosed <meta property=og:title content=\'x'),
    });
    // A title holds text only: the tag inside is its text, as a browser's tab shows it.
    expect(await unfurl(`${page.url}/`, open)).toMatchObject({ title: 'Broken <b>title' });
  });

  it('reads at most maxBytes of an endless page and stops downloading it', async () => {
    let closed: () => void = () => {};
    const stopped = new Promise<void>((resolve) => {
      closed = resolve;
    });
    const page = await site({
      '/endless': (_request, response) => {
        response.writeHead(200, { 'content-type': 'text/html' });
        response.write('<title>Endless</title>');
        const chunk = `<p>${'x'.repeat(16 * 1024)}</p>`;
        const pump = () => {
          while (!response.destroyed && response.write(chunk));
          if (!response.destroyed) response.once('drain', pump);
        };
        response.on('close', closed);
        pump();
      },
      '/late': html(`<body>${'x'.repeat(200 * 1024)}</body><title>too late</title>`),
    });
    expect(await unfurl(`${page.url}/endless`, open)).toMatchObject({ title: 'Endless' });
    await stopped;
    expect(await unfurl(`${page.url}/late`, open)).toBeNull();
  });

  it('gives up on a page slower than timeoutMs', async () => {
    const page = await site({ '/slow': () => {} });
    await expect(unfurl(`${page.url}/slow`, { ...open, timeoutMs: 200 })).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('follows at most maxRedirects redirects and sends no cookie it was given', async () => {
    const page = await site({
      '/hop1': (_request, response) => response.writeHead(302, { location: '/hop2', 'set-cookie': 'session=secret' }).end(),
      '/hop2': (_request, response) => response.writeHead(301, { location: `/final` }).end(),
      '/final': html('<title>Arrived</title>'),
      '/loop': (_request, response) => response.writeHead(302, { location: '/loop' }).end(),
    });
    expect(await unfurl(`${page.url}/hop1`, open)).toMatchObject({ url: `${page.url}/hop1`, title: 'Arrived' });
    for (const request of page.requests) {
      expect(request.headers.cookie).toBeUndefined();
      expect(request.headers.authorization).toBeUndefined();
    }
    await expect(unfurl(`${page.url}/loop`, open)).rejects.toThrow('more than 3 redirects');
    expect(page.requests.filter((r) => r.url === '/loop')).toHaveLength(4);
    await expect(unfurl(`http://user:pass@127.0.0.1:${page.port}/final`, open)).rejects.toBeInstanceOf(UnfurlRefused);
  });

  it('refuses private addresses: directly, by name, and at a redirect, without reaching them', async () => {
    const inside = await site({ '/': html('<title>Intranet</title>') });
    await expect(unfurl(`${inside.url}/`, guarded)).rejects.toMatchObject({ code: 'WEBHOOK_ADDRESS_REFUSED' });
    await expect(unfurl(`http://localhost:${inside.port}/`, guarded)).rejects.toMatchObject({ code: 'WEBHOOK_ADDRESS_REFUSED' });
    await expect(unfurl('http://169.254.169.254/latest/meta-data/', guarded)).rejects.toMatchObject({ code: 'WEBHOOK_ADDRESS_REFUSED' });
    // A "public" site (the guard lets only its port through) that redirects inside.
    const outside = await site({
      '/': (_request, response) => response.writeHead(302, { location: `${inside.url}/` }).end(),
      '/page': html(`<link rel="alternate" type="application/json+oembed" href="${inside.url}/"><meta name="description" content="d">`),
    });
    const outsideOnly: UnfurlOptions = {
      ...open,
      guard: (url) => (new URL(url).port === String(outside.port) ? Promise.resolve(new URL(url)) : assertPublicUrl(url)),
    };
    await expect(unfurl(`${outside.url}/`, outsideOnly)).rejects.toMatchObject({ code: 'WEBHOOK_ADDRESS_REFUSED' });
    // An oEmbed endpoint inside is not called either; the page's own tags still make the preview.
    expect(await unfurl(`${outside.url}/page`, outsideOnly)).toMatchObject({ title: null, description: 'd' });
    expect(inside.requests).toHaveLength(0);
  });
});

describe('clean', () => {
  it('takes out control and direction-override characters and never splits a surrogate pair', () => {
    expect(clean('a\u0000b\u202Ec\n\td', 100)).toBe('a b c d');
    expect(clean('   ', 100)).toBeNull();
    expect(clean(`${'a'.repeat(8)}😀😀`, 10)).toBe(`${'a'.repeat(8)}…`);
  });
});

describe('linksIn', () => {
  it('finds the first distinct http(s) links as written, not bare names or other schemes', () => {
    const text =
      'see https://a.example/x?y=1, http://b.example and again https://a.example/x?y=1; also c.example, ftp://d.example, mailto:e@f.example';
    expect(linksIn(text, 5)).toEqual(['https://a.example/x?y=1', 'http://b.example']);
    expect(linksIn(text, 1)).toEqual(['https://a.example/x?y=1']);
    expect(linksIn('javascript:alert(1) data:text/html,x', 5)).toEqual([]);
  });
});
