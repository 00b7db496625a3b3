import { Type } from '@sinclair/typebox';

/** `previews`: link previews (see the relay's `previews/`). */
export const PreviewsConfigSchema = Type.Object(
  {
    /** @default false */
    enabled: Type.Boolean({ default: false }),
    /**
     * Fetch pages on private, loopback or link-local addresses too: any member could then make
     * the relay read its own network's pages. Tests and closed networks only. @default false
     */
    allowPrivateAddresses: Type.Boolean({ default: false }),
    /** Links previewed per message, the first ones in its text. @default 3 */
    maxPerMessage: Type.Integer({ default: 3, minimum: 1, maximum: 10 }),
    /** Time for one link, redirects and oEmbed included; a page slower than this gets no preview. @default 5000 */
    timeoutMs: Type.Integer({ default: 5000, minimum: 100, maximum: 60_000 }),
    /** Bytes read of a page (or an oEmbed answer); the rest is never downloaded. @default 524288 (512 KiB) */
    maxBytes: Type.Integer({ default: 512 * 1024, minimum: 1024, maximum: 16 * 1024 ** 2 }),
    /** Redirects followed, each checked as the first URL is. @default 3 */
    maxRedirects: Type.Integer({ default: 3, minimum: 0, maximum: 10 }),
    /** How long each node keeps what a URL gave (a preview, or none). @default 3600 */
    cacheSeconds: Type.Integer({ default: 3600, minimum: 0 }),
    /** URLs each node keeps in its cache. @default 10000 */
    cacheEntries: Type.Integer({ default: 10_000, minimum: 1 }),
    /** Pages each node fetches at once; links beyond wait their turn, up to 1000, and beyond that get no preview. @default 8 */
    concurrency: Type.Integer({ default: 8, minimum: 1, maximum: 256 }),
  },
  { default: {}, additionalProperties: false },
);
