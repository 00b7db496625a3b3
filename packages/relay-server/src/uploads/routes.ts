import { AsyncLocalStorage } from 'node:async_hooks';
import type { Readable } from 'node:stream';
import { UploadInfo, UploadLink } from '@chat4all/protocol';
import multipart from '@fastify/multipart';
import { Type } from '@sinclair/typebox';
import { Server as TusServer } from '@tus/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import parseRange from 'range-parser';
import type { RelayConfig } from '../config.js';
import { RelayError, toRelayError } from '../errors.js';
import { userIdOf } from '../http/auth-hook.js';
import type { RelayMetrics } from '../observability/metrics.js';
import type { UploadMetadata, UploadService } from './service.js';
import { setDownloadHeaders, setThumbnailHeaders } from './serving.js';
import { toUploadInfo } from './views.js';

/** Request headers a browser tus client sends, and response headers it must read (for CORS). */
export const TUS_REQUEST_HEADERS = [
  'tus-resumable',
  'upload-length',
  'upload-metadata',
  'upload-offset',
  'upload-defer-length',
  'upload-concat',
];
export const TUS_RESPONSE_HEADERS = [
  'location',
  'tus-resumable',
  'tus-version',
  'tus-extension',
  'tus-max-size',
  'upload-offset',
  'upload-length',
  'upload-metadata',
  'upload-expires',
];

/** A tus client's `OPTIONS` (capability discovery), as opposed to a browser's CORS preflight. */
export function isTusDiscovery(request: { method: string; url: string; headers: Record<string, unknown> }): boolean {
  return request.method === 'OPTIONS' && /^\/v1\/uploads(\/|\?|$)/.test(request.url) && !request.headers['access-control-request-method'];
}

const Binary = Type.String({ format: 'binary' });

/** A tus answer: no body, only headers. */
function tusAnswer(description: string, headers: string[]) {
  return { type: 'null', description, headers: Object.fromEntries(headers.map((name) => [name, { type: 'string' }])) };
}

/** The tus 1.0 requests (`@tus/server` answers them). */
const TUS_ROUTES = [
  [
    'POST',
    '/v1/uploads',
    { 201: tusAnswer('Created (with `Upload-Offset` when the request carried bytes)', ['Location', 'Upload-Offset']) },
  ],
  [
    'HEAD',
    '/v1/uploads/:id',
    { 200: tusAnswer('How far the upload got', ['Upload-Offset', 'Upload-Length', 'Upload-Metadata', 'Upload-Expires']) },
  ],
  ['PATCH', '/v1/uploads/:id', { 204: tusAnswer('The bytes were stored', ['Upload-Offset', 'Upload-Expires']) }],
  ['DELETE', '/v1/uploads/:id', { 204: tusAnswer('The unfinished upload was deleted', []) }],
] as const;

const TUS_STATUS_CODES: Record<number, 'UPLOAD_TOO_LARGE' | 'UPLOAD_NOT_FOUND'> = {
  413: 'UPLOAD_TOO_LARGE',
  404: 'UPLOAD_NOT_FOUND',
  410: 'UPLOAD_NOT_FOUND',
};

/**
 * Files. `/v1/uploads` speaks tus 1.0 (`@tus/server`: creation, creation-with-upload,
 * termination, expiration) for resumable uploads of any size up to `uploads.maxBytes`;
 * `GET /v1/uploads/:id` downloads (with `Range`) for the conversation's members, with a
 * bearer token or a signed link from `POST /v1/uploads/:id/link`;
 * `POST /v1/conversations/:id/files` takes a small file in one `multipart/form-data` request.
 */
export interface UploadRoutesOptions {
  uploads: UploadService;
  config: RelayConfig['uploads'];
  metrics: Pick<RelayMetrics, 'errors'>;
  log: Logger;
}

export async function uploadRoutes(app: FastifyInstance, { uploads, config, metrics, log }: UploadRoutesOptions): Promise<void> {
  // The tus hooks get a web Request; the caller authenticated by Fastify travels with the call.
  const caller = new AsyncLocalStorage<string>();
  const callerId = () => {
    const userId = caller.getStore();
    if (!userId) throw new RelayError('UNAUTHENTICATED');
    return userId;
  };
  const tus = new TusServer({
    path: '/v1/uploads',
    datastore: uploads.storage.datastore,
    maxSize: config.maxBytes,
    relativeLocation: true,
    namingFunction: () => uploads.newId(),
    ...(uploads.locker ? { locker: uploads.locker } : {}),
    disableTerminationForFinishedUploads: true,
    async onIncomingRequest(req, id) {
      if (req.method !== 'POST') await uploads.owned(callerId(), id);
    },
    async onUploadCreate(_req, upload) {
      await uploads.begin(callerId(), upload.id, upload.metadata ?? {}, upload.size);
      return {};
    },
    async onUploadFinish(_req, upload) {
      await uploads.finish(upload.id, upload.metadata?.sha256);
      return {};
    },
    onResponseError(_req, error) {
      const relayError =
        error instanceof Error
          ? toRelayError(error)
          : new RelayError(
              TUS_STATUS_CODES[error.status_code] ?? (error.status_code >= 500 ? 'INTERNAL' : 'BAD_REQUEST'),
              error.body.trim(),
            );
      if (relayError.code === 'INTERNAL') log.error({ err: error }, 'upload failed');
      metrics.errors.inc({ code: relayError.code, transport: 'http' });
      const status = error instanceof Error ? relayError.status : error.status_code;
      return { status_code: status, body: JSON.stringify(relayError.toBody()) };
    },
  });
  tus.on('POST_TERMINATE', (_req, _res, id) => {
    void uploads.forget(id).catch((err: unknown) => log.error({ err, uploadId: id }, 'could not forget a terminated upload'));
  });

  // tus bodies are read by tus, as a stream: Fastify leaves them alone.
  app.addContentTypeParser('application/offset+octet-stream', (_request, _payload, done) => done(null));
  const handleTus = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    await caller.run(userIdOf(request), () => tus.handle(request.raw, reply.raw));
  };
  for (const [method, url, response] of TUS_ROUTES)
    app.route({ method, url, config: { auth: 'user', swagger: { exposeHeadRoute: true } }, schema: { response }, handler: handleTus });
  for (const url of ['/v1/uploads', '/v1/uploads/:id']) {
    // tus discovery (Tus-Version, Tus-Extension, Tus-Max-Size): public, as the protocol has it; a browser's CORS preflight never gets here.
    app.route({
      method: 'OPTIONS',
      url,
      config: { auth: 'none' },
      schema: { response: { 204: tusAnswer('tus capabilities', ['Tus-Version', 'Tus-Extension', 'Tus-Max-Size']) } },
      handler: (request, reply) => {
        reply.hijack();
        return tus.handle(request.raw, reply.raw);
      },
    });
  }

  /** The upload a download names, for a member's token or the signed link in its query. */
  const downloadable = (request: FastifyRequest<{ Params: { id: string } }>) => {
    const { user, expires, signature } = request.query as { user?: string; expires?: string; signature?: string };
    return signature !== undefined
      ? uploads.signedReadable(request.params.id, { user, expires, signature })
      : uploads.readable(userIdOf(request), request.params.id);
  };

  app.get<{ Params: { id: string } }>(
    '/v1/uploads/:id',
    {
      exposeHeadRoute: false,
      config: { auth: 'download' },
      schema: {
        response: {
          200: { description: 'The file, as its declared type when that is safe to show', content: { '*/*': { schema: Binary } } },
          206: { description: 'The requested byte range', content: { '*/*': { schema: Binary } } },
          304: Type.Null({ description: 'Not modified (`If-None-Match` named its ETag)' }),
        },
      },
    },
    async (request, reply) => {
      const record = await downloadable(request);
      if (request.headers['if-none-match'] === `"${record.sha256}"`) {
        setDownloadHeaders(reply, record);
        return reply.code(304).send();
      }
      const ranges = request.headers.range ? parseRange(record.size, request.headers.range, { combine: true }) : undefined;
      if (ranges === -1) {
        reply.header('content-range', `bytes */${record.size}`);
        throw new RelayError('RANGE_NOT_SATISFIABLE', `The requested range is outside the file of ${record.size} bytes`);
      }
      const range = Array.isArray(ranges) && ranges.length === 1 && ranges.type === 'bytes' ? ranges[0] : undefined;
      // The bytes are opened before any header says what they are, so a failure is answered as an error, not as the file.
      const bytes = await uploads.storage.read(record.id, range);
      setDownloadHeaders(reply, record);
      if (range) {
        reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${record.size}`);
        reply.header('content-length', range.end - range.start + 1);
        return reply.send(bytes);
      }
      reply.header('content-length', record.size);
      return reply.send(bytes);
    },
  );

  // The image's thumbnail, to whoever may download the file, the same ways (a signed link's query works for both).
  app.get<{ Params: { id: string } }>(
    '/v1/uploads/:id/thumbnail',
    {
      exposeHeadRoute: false,
      config: { auth: 'download' },
      schema: {
        response: {
          200: { description: 'The thumbnail: a WebP image', content: { 'image/webp': { schema: Binary } } },
          304: Type.Null({ description: 'Not modified (`If-None-Match` named its ETag)' }),
        },
      },
    },
    async (request, reply) => {
      const record = await downloadable(request);
      if (!record.thumbnail) throw new RelayError('UPLOAD_NOT_FOUND', 'This upload has no thumbnail');
      if (request.headers['if-none-match'] === `"${record.sha256}-thumbnail"`) {
        setThumbnailHeaders(reply, record);
        return reply.code(304).send();
      }
      const bytes = await uploads.storage.readThumbnail(record.id);
      setThumbnailHeaders(reply, record);
      return reply.send(bytes);
    },
  );

  // A still of a video the uploader made (browsers draw one from a <video>), made into the upload's thumbnail: the relay
  // cannot decode video, but re-encodes the still, so what it serves is its own WebP.
  await app.register(async (posters) => {
    // Image bytes only: the app's JSON parser would hand the route a string, which sharp reads as a file path.
    posters.removeAllContentTypeParsers();
    posters.addContentTypeParser(
      ['image/jpeg', 'image/png', 'image/webp'],
      { parseAs: 'buffer', bodyLimit: config.thumbnails.maxPosterBytes },
      (_request, body, done) => done(null, body),
    );
    posters.put<{ Params: { id: string }; Body: Buffer }>(
      '/v1/uploads/:id/poster',
      {
        config: { auth: 'user' },
        schema: { description: 'The body is a JPEG, PNG or WebP still of the video', response: { 200: UploadInfo } },
      },
      async (request) => {
        if (!Buffer.isBuffer(request.body)) throw new RelayError('UNSUPPORTED_MEDIA_TYPE', 'A poster is a JPEG, PNG or WebP image');
        return toUploadInfo(await uploads.poster(userIdOf(request), request.params.id, request.body));
      },
    );
  });

  // A member's short-lived link to the file, for `<img src>` and download links: no token in the URL.
  app.post<{ Params: { id: string } }>(
    '/v1/uploads/:id/link',
    { config: { auth: 'user' }, schema: { response: { 200: UploadLink } } },
    async (request) => {
      const link = await uploads.link(userIdOf(request), request.params.id);
      return { url: link.url, expiresAt: new Date(link.expiresAt).toISOString() };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/uploads/:id/info',
    { config: { auth: 'user' }, schema: { response: { 200: UploadInfo } } },
    async (request) => {
      return toUploadInfo(await uploads.visible(userIdOf(request), request.params.id));
    },
  );

  await app.register(async (scope) => {
    await scope.register(multipart, { limits: { fileSize: config.smallMaxBytes, files: 1, fields: 10 } });
    scope.post<{ Params: { id: string } }>(
      '/v1/conversations/:id/files',
      { config: { auth: 'user' }, schema: { response: { 201: UploadInfo } } },
      async (request, reply) => {
        const part = await request.file();
        if (!part) throw new RelayError('BAD_REQUEST', 'Send the file in a multipart/form-data field named "file"');
        const fields: UploadMetadata = { filename: part.filename, filetype: part.mimetype };
        for (const [name, field] of Object.entries(part.fields)) {
          if (field && !Array.isArray(field) && field.type === 'field' && typeof field.value === 'string') fields[name] = field.value;
        }
        const record = await uploads.small(userIdOf(request), request.params.id, fields, part.file).catch(async (error: unknown) => {
          // Whatever the client still sends is read and dropped, so the error can be answered.
          await drain(part.file);
          throw error;
        });
        return reply.code(201).send(toUploadInfo(record));
      },
    );
  });
}

async function drain(stream: Readable): Promise<void> {
  try {
    for await (const _chunk of stream) {
      // dropped
    }
  } catch {
    // a broken client stream has nothing left to drain
  }
}
