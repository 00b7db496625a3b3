import type { ErrorBody, UploadInfo } from '@chat4all/protocol';
import type { DetailedError, Upload } from 'tus-js-client';
import { Chat4AllError } from './errors.js';
import { type ReadableStore, Store } from './store.js';

/** What can be uploaded: a `File` or `Blob` (browsers, Node ≥ 20), a `Buffer`, or a Node `fs.ReadStream` (read by path, so it can resume). */
export type UploadSource = Blob | Uint8Array | { readonly path: string | Uint8Array; pipe: unknown };

export type UploadStatus = 'uploading' | 'paused' | 'complete' | 'failed' | 'cancelled';

export interface UploadProgress {
  status: UploadStatus;
  bytesSent: number;
  bytesTotal: number;
  /** Known once the relay created the upload. */
  uploadId: string | null;
  error?: { code: string; message: string; retryable: boolean };
}

export interface UploadOptions {
  conversationId: string;
  /** File name shown to recipients. @default the File's name, else 'file' */
  name?: string;
  /** MIME type. @default the Blob's type, else 'application/octet-stream' */
  type?: string;
  /** Pixel size of an image or video, passed on to recipients. */
  width?: number;
  height?: number;
  /** SHA-256 (hex) of the whole file; the relay refuses the upload if the bytes differ. */
  sha256?: string;
  /** Bytes per PATCH request. @default Infinity in browsers (one request, resumed where it broke), 8 MiB in Node */
  chunkSize?: number;
  /**
   * A still (JPEG, PNG or WebP) of a `video/*` file, sent once its bytes are up so the relay makes
   * its thumbnail; `false` sends none. @default in browsers, a frame drawn from the video; none in Node
   */
  poster?: Blob | false;
}

/** How a `FileUpload` reaches the relay; given by the client. */
export interface UploadTransport {
  url: string;
  token(refresh: boolean): Promise<string>;
}

/** Where an upload can be picked up again: set by the client to persist the URL (for resuming after a reload). */
export interface UploadHooks {
  /** The relay created the upload at this URL. */
  onUrl?(url: string): void;
}

const MiB = 1024 * 1024;

/** An upload of a file into a conversation over tus, with progress, pause, resume and cancel. */
export class FileUpload {
  readonly #progress: Store<UploadProgress>;
  readonly progress: ReadableStore<UploadProgress>;
  /** Resolves with the finished upload (id, size, SHA-256…); rejects with a Chat4AllError if it fails or is cancelled. */
  readonly done: Promise<UploadInfo>;
  #resolve!: (info: UploadInfo) => void;
  #reject!: (error: Chat4AllError) => void;
  #upload: Upload | undefined;
  readonly #started: Promise<void>;

  constructor(
    private readonly transport: UploadTransport,
    source: UploadSource,
    readonly options: UploadOptions,
    hooks: UploadHooks = {},
    uploadUrl?: string,
  ) {
    const size = sizeOf(source);
    this.#progress = new Store<UploadProgress>({ status: 'uploading', bytesSent: 0, bytesTotal: size ?? 0, uploadId: idOf(uploadUrl) });
    this.progress = this.#progress;
    this.done = new Promise<UploadInfo>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Unobserved failures are reported through `progress`; the promise must not crash the process.
    this.done.catch(() => {});
    this.#started = this.#start(source, hooks, uploadUrl).catch((error: unknown) => this.#fail(toError(error)));
  }

  pause(): void {
    if (this.#progress.getSnapshot().status !== 'uploading') return;
    void this.#upload?.abort(false);
    this.#set({ status: 'paused' });
  }

  resume(): void {
    if (this.#progress.getSnapshot().status !== 'paused') return;
    this.#set({ status: 'uploading' });
    this.#upload?.start();
  }

  /** Stops the upload and deletes what the relay received. */
  async cancel(): Promise<void> {
    const { status } = this.#progress.getSnapshot();
    if (status === 'complete' || status === 'cancelled') return;
    await this.#started;
    this.#set({ status: 'cancelled' });
    await this.#upload?.abort(true).catch(() => {});
    this.#reject(new Chat4AllError('CANCELLED', 'The upload was cancelled', { retryable: false }));
  }

  async #start(source: UploadSource, hooks: UploadHooks, uploadUrl: string | undefined): Promise<void> {
    const tus = await import('tus-js-client');
    const { options, transport } = this;
    const blob = typeof Blob !== 'undefined' && source instanceof Blob ? source : undefined;
    const name = options.name ?? (blob && 'name' in blob && typeof blob.name === 'string' ? blob.name : 'file');
    const type = options.type || blob?.type || 'application/octet-stream';
    const metadata: Record<string, string> = { conversationId: options.conversationId, filename: name, filetype: type };
    if (options.width) metadata.width = String(options.width);
    if (options.height) metadata.height = String(options.height);
    if (options.sha256) metadata.sha256 = options.sha256;
    let refresh = false;
    const upload: Upload = new tus.Upload(readable(source), {
      endpoint: `${transport.url}/v1/uploads`,
      uploadUrl: uploadUrl ?? null,
      metadata,
      chunkSize: options.chunkSize ?? (blob ? Number.POSITIVE_INFINITY : 8 * MiB),
      retryDelays: [0, 1000, 3000, 5000, 10_000, 20_000],
      // The client keeps the upload URL itself (with the message in the outbox).
      storeFingerprintForResuming: false,
      async onBeforeRequest(req) {
        req.setHeader('Authorization', `Bearer ${await transport.token(refresh)}`);
        refresh = false;
      },
      onShouldRetry(error) {
        const status = error.originalResponse?.getStatus() ?? 0;
        if (status === 401) {
          refresh = true;
          return true;
        }
        return status === 0 || status === 409 || status === 423 || status === 429 || status >= 500;
      },
      onUploadUrlAvailable: () => {
        if (upload.url) {
          this.#set({ uploadId: idOf(upload.url) });
          hooks.onUrl?.(upload.url);
        }
      },
      onProgress: (bytesSent, bytesTotal) => this.#set({ bytesSent, bytesTotal }),
      onSuccess: () => {
        this.#finish(blob, type).catch((error: unknown) => this.#fail(toError(error)));
      },
      onError: (error) => {
        if (this.#progress.getSnapshot().status !== 'cancelled') this.#fail(fromTus(error));
      },
    });
    this.#upload = upload;
    upload.start();
  }

  async #finish(blob: Blob | undefined, type: string): Promise<void> {
    const id = idOf(this.#upload?.url ?? undefined);
    if (!id) throw new Chat4AllError('INTERNAL', 'The relay did not say where the upload is');
    const authorization = `Bearer ${await this.transport.token(false)}`;
    const { poster } = this.options;
    if (type.startsWith('video/') && poster !== false) {
      const still = poster ?? (blob ? await (await import('./poster.js')).videoPoster(blob) : null);
      // Without a poster the video is sent all the same, with no thumbnail.
      if (still) {
        await fetch(`${this.transport.url}/v1/uploads/${id}/poster`, {
          method: 'PUT',
          headers: { authorization, 'content-type': still.type || 'image/jpeg' },
          body: still,
          signal: AbortSignal.timeout(30_000),
        }).catch(() => {});
      }
    }
    const response = await fetch(`${this.transport.url}/v1/uploads/${id}/info`, { headers: { authorization } });
    const body = (await response.json()) as UploadInfo | ErrorBody;
    if (!response.ok) throw Chat4AllError.fromBody(body as ErrorBody);
    const info = body as UploadInfo;
    this.#set({ status: 'complete', bytesSent: info.size, bytesTotal: info.size, uploadId: info.id });
    this.#resolve(info);
  }

  #fail(error: Chat4AllError): void {
    this.#set({ status: 'failed', error: { code: error.code, message: error.message, retryable: error.retryable } });
    this.#reject(error);
  }

  #set(patch: Partial<UploadProgress>): void {
    this.#progress.set({ ...this.#progress.getSnapshot(), ...patch });
  }
}

type BufferConstructorLike = { isBuffer(value: unknown): boolean; from(data: ArrayBufferLike, offset: number, length: number): Uint8Array };

/** What tus-js-client reads: a Buffer in Node (no copy), a Blob in browsers, for bytes given as a plain Uint8Array. */
function readable(source: UploadSource): Blob {
  if (!(source instanceof Uint8Array)) return source as Blob;
  const NodeBuffer = (globalThis as { Buffer?: BufferConstructorLike }).Buffer;
  if (NodeBuffer)
    return (NodeBuffer.isBuffer(source) ? source : NodeBuffer.from(source.buffer, source.byteOffset, source.byteLength)) as unknown as Blob;
  return new Blob([source as Uint8Array<ArrayBuffer>]);
}

function sizeOf(source: UploadSource): number | null {
  if (typeof Blob !== 'undefined' && source instanceof Blob) return source.size;
  if (source instanceof Uint8Array) return source.byteLength;
  return null;
}

function idOf(url: string | undefined | null): string | null {
  return url ? (new URL(url, 'http://relay').pathname.split('/').pop() ?? null) : null;
}

function toError(error: unknown): Chat4AllError {
  return error instanceof Chat4AllError ? error : new Chat4AllError('INTERNAL', String(error), { cause: error });
}

/** A tus client error as the relay's error: its JSON body when it answered, else a lost connection. */
function fromTus(error: Error | DetailedError): Chat4AllError {
  const response = 'originalResponse' in error ? error.originalResponse : null;
  if (!response) return new Chat4AllError('CONNECTION_LOST', error.message, { cause: error, retryable: true });
  try {
    return Chat4AllError.fromBody(JSON.parse(response.getBody()) as ErrorBody);
  } catch {
    return new Chat4AllError('INTERNAL', `Upload failed with HTTP ${response.getStatus()}`, {
      cause: error,
      retryable: response.getStatus() >= 500,
    });
  }
}
