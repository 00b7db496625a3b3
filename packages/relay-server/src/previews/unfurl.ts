import type { LinkPreview } from '@chat4all/protocol';
import { Parser } from 'htmlparser2';
import type { Dispatcher } from 'undici';
import { readAtMost } from '../http/read-at-most.js';

/**
 * Reading one link's page for its preview. Every page is hostile: only http(s), each URL (the
 * link, every redirect, the oEmbed endpoint) passed through the address guard before it is
 * called, no cookies or credentials, at most `maxBytes` read of anything, one deadline for the
 * whole link, and only text fields and an https image URL kept, each trimmed to its limit.
 */

export interface UnfurlOptions {
  /** Turns a URL into the URL to call, or throws: the address guard (`http/public-addresses.ts`). */
  guard(url: string): Promise<URL>;
  /** What every connection goes through (the guard's `publicOnly()` agent); the default one when absent. */
  dispatcher?: Dispatcher | undefined;
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  /** Ends the work early (the relay is closing). */
  signal?: AbortSignal | undefined;
}

/** Why a link got no preview when it is not that its page had none to give. */
export class UnfurlRefused extends Error {}

const USER_AGENT = 'chat4all-link-preview';
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const HTML = new Set(['text/html', 'application/xhtml+xml']);
const isHtml = (type: string) => HTML.has(type);
const isJson = (type: string) => type === 'application/json' || type.endsWith('+json');

/** The longest each field of a preview may be, in UTF-16 units (as the protocol's schema counts). */
export const PREVIEW_LIMITS = { title: 200, description: 500, siteName: 100, url: 2048 } as const;

/** What a page says about itself, as found in its HTML. */
export interface PageFacts {
  /** `<meta property|name content>`, first of each name, names lower case. */
  meta: Map<string, string>;
  /** The text of the first `<title>`. */
  title: string | null;
  /** The href of `<link rel="alternate" type="application/json+oembed">`. */
  oembed: string | null;
}

/**
 * The preview of `link` (an http(s) URL), or null when its page has neither a title nor a
 * description. Throws {@link UnfurlRefused} or a fetch error when the page cannot be read
 * within the limits.
 */
export async function unfurl(link: string, options: UnfurlOptions): Promise<LinkPreview | null> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  const page = await fetchLimited(link, 'text/html,application/xhtml+xml', isHtml, options, signal);
  const facts = readPage(page.text);
  const meta = (...names: string[]) => names.map((name) => facts.meta.get(name)).find((value) => value?.trim());
  let title: string | null | undefined = meta('og:title', 'twitter:title') ?? facts.title;
  let siteName: string | null | undefined = meta('og:site_name');
  let image = imageUrl(meta('og:image', 'og:image:url', 'og:image:secure_url', 'twitter:image'), page.url);
  const oembedHref = facts.oembed ? resolve(facts.oembed, page.url) : null;
  if (oembedHref && (!title || !image || !siteName)) {
    const oembed = await readOembed(oembedHref, options, signal);
    title ||= oembed.title;
    siteName ||= oembed.provider_name;
    image ??= imageUrl(oembed.thumbnail_url, oembedHref);
  }
  const preview: LinkPreview = {
    url: link,
    title: clean(title, PREVIEW_LIMITS.title),
    description: clean(meta('og:description', 'twitter:description', 'description'), PREVIEW_LIMITS.description),
    siteName: clean(siteName, PREVIEW_LIMITS.siteName),
    imageUrl: image,
  };
  return preview.title || preview.description ? preview : null;
}

/** The tags of a page a preview is made of; malformed HTML is read as browsers would, never thrown on. */
export function readPage(html: string): PageFacts {
  const facts: PageFacts = { meta: new Map(), title: null, oembed: null };
  let title: string | null = null;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (name === 'meta') {
          const key = (attributes.property ?? attributes.name ?? '').trim().toLowerCase();
          if (key && attributes.content !== undefined && !facts.meta.has(key)) facts.meta.set(key, attributes.content);
        } else if (name === 'title' && facts.title === null && title === null) {
          title = '';
        } else if (
          name === 'link' &&
          facts.oembed === null &&
          attributes.type?.trim().toLowerCase() === 'application/json+oembed' &&
          /(^|\s)alternate(\s|$)/i.test(attributes.rel ?? '') &&
          attributes.href
        ) {
          facts.oembed = attributes.href;
        }
      },
      ontext(text) {
        if (title !== null) title += text;
      },
      onclosetag(name) {
        if (name === 'title' && title !== null) {
          facts.title = title;
          title = null;
        }
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();
  return facts;
}

/** Text from a page as a preview shows it: control and bidirectional-override characters out, whitespace collapsed, cut to `max`. */
export function clean(text: string | null | undefined, max: number): string | null {
  if (!text) return null;
  const flat = text
    .replace(/[\p{Cc}\u202A-\u202E\u2066-\u2069]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (!flat) return null;
  if (flat.length <= max) return flat;
  let cut = flat.slice(0, max - 1);
  // Not half of a surrogate pair.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}…`;
}

/** An image URL a preview may carry: absolute https (relative ones resolved against the page), without credentials, within the limit. */
function imageUrl(value: unknown, base: URL | string): string | null {
  if (typeof value !== 'string') return null;
  const url = resolve(value.trim(), base);
  if (url?.protocol !== 'https:' || url.username || url.password || url.href.length > PREVIEW_LIMITS.url) return null;
  return url.href;
}

function resolve(value: string, base: URL | string): URL | null {
  try {
    return new URL(value, base);
  } catch {
    return null;
  }
}

interface Oembed {
  title: string | null;
  provider_name: string | null;
  thumbnail_url: string | null;
}

/** The fields of an oEmbed answer a preview uses; none when it cannot be had (the page's own tags still count). */
async function readOembed(url: URL, options: UnfurlOptions, signal: AbortSignal): Promise<Oembed> {
  const none = { title: null, provider_name: null, thumbnail_url: null };
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return none;
  try {
    const body = JSON.parse((await fetchLimited(url.href, 'application/json', isJson, options, signal)).text) as unknown;
    if (typeof body !== 'object' || body === null) return none;
    const field = (name: string) => {
      const value = (body as Record<string, unknown>)[name];
      return typeof value === 'string' ? value : null;
    };
    return { title: field('title'), provider_name: field('provider_name'), thumbnail_url: field('thumbnail_url') };
  } catch (error) {
    if (signal.aborted) throw error;
    return none;
  }
}

/**
 * GETs `start`, following at most `maxRedirects` redirects (each URL through the guard), and
 * reads at most `maxBytes` of a body whose type `wanted` accepts. Cookies are never kept or
 * sent (Node's fetch has no cookie jar) and a URL carrying a user name or password is refused.
 */
async function fetchLimited(
  start: string,
  accept: string,
  wanted: (type: string) => boolean,
  options: UnfurlOptions,
  signal: AbortSignal,
): Promise<{ url: URL; text: string }> {
  let next = start;
  for (let redirects = 0; ; redirects++) {
    const url = await options.guard(next);
    if (url.username || url.password) throw new UnfurlRefused('URLs with credentials are not fetched');
    const response = await fetch(url, {
      redirect: 'manual',
      credentials: 'omit',
      signal,
      headers: { accept, 'user-agent': USER_AGENT },
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    } as RequestInit);
    const location = response.headers.get('location');
    if (REDIRECTS.has(response.status) && location) {
      await response.body?.cancel().catch(() => {});
      if (redirects >= options.maxRedirects) throw new UnfurlRefused(`more than ${options.maxRedirects} redirects`);
      next = new URL(location, url).href;
      continue;
    }
    const type = (response.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (!response.ok || !wanted(type)) {
      await response.body?.cancel().catch(() => {});
      throw new UnfurlRefused(`${url.host} answered ${response.status} ${type || 'without a type'}`);
    }
    return { url, text: decode(await readAtMost(response, options.maxBytes), response.headers.get('content-type')) };
  }
}

/** Decoded by the charset the answer names, UTF-8 when it names none or one unknown. */
function decode(bytes: Uint8Array, contentType: string | null): string {
  const charset = /charset=["']?([\w.:-]+)/i.exec(contentType ?? '')?.[1];
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}
