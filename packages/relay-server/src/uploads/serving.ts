import contentDisposition from 'content-disposition';
import type { FastifyReply } from 'fastify';

/** `type/subtype` with optional parameters, in RFC 6838 token characters: no spaces, quotes or line breaks inside a token. */
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}(?:;[ \t]*[a-z0-9!#$&^_.+-]+=[a-z0-9!#$&^_.+-]+)*$/i;

/** Whether an uploader's declared type is a well-formed media type (at most 255 characters). */
export function isMediaType(type: string): boolean {
  return type.length <= 255 && MEDIA_TYPE.test(type);
}

/**
 * Types a browser may show inline from the relay's origin: raster images, audio and video,
 * which run no script. Everything else (HTML, SVG, XML, PDF, text, unknown) is served as
 * an attachment, so opening it downloads it rather than rendering it here.
 */
const INLINE_TYPES = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/bmp',
  'audio/mpeg',
  'audio/ogg',
  'audio/wav',
  'audio/webm',
  'audio/aac',
  'audio/mp4',
  'audio/flac',
  'video/mp4',
  'video/webm',
  'video/ogg',
  'video/quicktime',
]);

/** A script-free policy for every download, inline or not: nothing in a served file can run or frame it. */
export const DOWNLOAD_CSP =
  "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox";

/** Whether a file of this type is shown inline (`Content-Disposition: inline`) rather than downloaded. */
export function servedInline(type: string): boolean {
  return INLINE_TYPES.has(type.split(';')[0]?.trim().toLowerCase() ?? '');
}

/**
 * The headers of a download: the declared type only when it is well-formed (otherwise
 * `application/octet-stream`), `nosniff` so the browser never guesses another, the
 * script-free CSP, and `inline` only for the types above.
 */
export function setDownloadHeaders(reply: FastifyReply, file: { name: string; type: string; sha256: string | null }): void {
  const type = isMediaType(file.type) ? file.type : 'application/octet-stream';
  reply.header('content-type', type);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('content-security-policy', DOWNLOAD_CSP);
  reply.header('cross-origin-opener-policy', 'same-origin');
  reply.header('content-disposition', contentDisposition(file.name, { type: servedInline(type) ? 'inline' : 'attachment' }));
  reply.header('accept-ranges', 'bytes');
  reply.header('etag', `"${file.sha256}"`);
  // Members only: a shared cache must not keep it; the browser may, for as long as it likes (the bytes never change).
  reply.header('cache-control', 'private, max-age=31536000, immutable');
}

/**
 * The headers of an upload's thumbnail: a download's, as an inline WebP image named after the
 * file. Its ETag is the file's checksum with a suffix, as the thumbnail is made from those bytes.
 */
export function setThumbnailHeaders(reply: FastifyReply, file: { name: string; sha256: string | null }): void {
  setDownloadHeaders(reply, { name: `${file.name.replace(/\.[^.]*$/, '')}.webp`, type: 'image/webp', sha256: file.sha256 });
  reply.removeHeader('accept-ranges');
  reply.header('etag', `"${file.sha256}-thumbnail"`);
}
