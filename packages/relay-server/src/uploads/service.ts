import { createHash, type Hash, randomBytes } from 'node:crypto';
import { pipeline as pipe, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Attachment, isId, textProblem } from '@chat4all/protocol';
import { type Locker, Upload } from '@tus/utils';
import type { RelayConfig } from '../config.js';
import { RelayError } from '../errors.js';
import { linkHolds, signLink } from '../http/signed-links.js';
import { rateLimited } from '../limits/errors.js';
import type { Store, UploadRecord } from '../store/types.js';
import { isMediaType } from './serving.js';
import type { UploadStorage } from './storage.js';
import type { Thumbnailer } from './thumbnails.js';

/** What an uploader says about a file: tus `Upload-Metadata`, or the fields of a multipart form. */
export type UploadMetadata = Record<string, string | null | undefined>;

const SHA256 = /^[0-9a-f]{64}$/;
/** What a user with too many open uploads is told to wait: one finishing or cancelled frees a place at once. */
const OPEN_UPLOADS_RETRY_MS = 60_000;
/** C0 controls and DEL: no line breaks or NULs in a file name that ends up in a header. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Rate limits an upload must pass before it starts; each answers the error to refuse with, if any. */
export interface UploadQuota {
  /** One more upload started by the user. */
  starts(userId: string): Promise<RelayError | undefined>;
  /** Bytes the user declares in a new upload. */
  bytes(userId: string, size: number): Promise<RelayError | undefined>;
  /** Uploads one user may have started and not finished. */
  maxOpen: number;
}

/** The SHA-256 of an upload's bytes so far, kept while they arrive in order on this node. */
interface RunningHash {
  hash: Hash;
  bytes: number;
}

/**
 * Uploads as the relay sees them: each belongs to its uploader and one conversation, is
 * checksummed (SHA-256) when its last byte arrives, is attached to at most one message, and
 * is deleted if it is not attached before it expires. The bytes live in `storage`.
 */
export class UploadService {
  readonly #hashes = new Map<string, RunningHash>();

  constructor(
    private readonly store: Pick<Store, 'uploads' | 'conversations'>,
    readonly storage: UploadStorage,
    private readonly config: RelayConfig['uploads'],
    /** Signs links to files that platforms fetch (`signedPath`). */
    private readonly linkSecret: string,
    /** The tus upload lock; `@tus/server`'s in-process one when absent (a single node). */
    readonly locker?: Locker,
    /** Per-user limits on starting uploads: how often, and how many bytes a day. */
    private readonly quota: UploadQuota = {
      starts: async () => undefined,
      bytes: async () => undefined,
      maxOpen: Number.POSITIVE_INFINITY,
    },
    /** Makes and keeps thumbnails of image uploads as they complete; none are made when absent. */
    private readonly thumbnails?: Thumbnailer,
  ) {
    this.#hashWhileWriting();
  }

  /** A new upload id (what tus calls the file name). */
  newId(): string {
    return randomBytes(16).toString('hex');
  }

  /**
   * Records an upload about to start; the uploader must be a member of the conversation, and
   * within their quotas (`admitted` when the caller already checked how often they start one).
   */
  async begin(userId: string, id: string, metadata: UploadMetadata, size: number | undefined, admitted = false): Promise<UploadRecord> {
    const conversationId = metadata.conversationId;
    // Upload-Metadata is base64: anything can arrive in it.
    if (!conversationId || !isId(conversationId))
      throw new RelayError('BAD_REQUEST', 'Upload-Metadata must name the conversationId the file is for');
    if (size === undefined)
      throw new RelayError('BAD_REQUEST', 'Upload-Length is required: the relay does not take uploads of unknown length');
    await this.#member(userId, conversationId);
    const declared = metadata.sha256?.toLowerCase();
    if (declared !== undefined && !SHA256.test(declared)) throw new RelayError('BAD_REQUEST', 'sha256 must be 64 hex digits');
    const name = metadata.filename ?? metadata.name ?? 'file';
    if (name.length > 255 || CONTROL.test(name) || textProblem(name))
      throw new RelayError('BAD_REQUEST', 'filename must be at most 255 characters of text, with no control characters');
    const type = metadata.filetype || metadata.type || 'application/octet-stream';
    if (!isMediaType(type))
      throw new RelayError('BAD_REQUEST', 'filetype must be a media type such as image/png (type/subtype, no line breaks)');
    if (!admitted) await this.#admit(userId);
    const overBytes = await this.quota.bytes(userId, size);
    if (overBytes) throw overBytes;
    const now = Date.now();
    const record: UploadRecord = {
      id,
      ownerId: userId,
      conversationId,
      name: name || 'file',
      type: type.toLowerCase(),
      size,
      sha256: null,
      width: dimension(metadata.width),
      height: dimension(metadata.height),
      thumbnail: null,
      complete: false,
      messageId: null,
      createdAt: now,
      expiresAt: now + this.config.expireAfterMs,
    };
    await this.store.uploads.create(record);
    return record;
  }

  /**
   * The last byte arrived: hashes the stored bytes, makes an image's thumbnail and marks the
   * upload complete. A declared SHA-256 that differs discards the upload with CHECKSUM_MISMATCH.
   */
  async finish(id: string, declaredSha256: string | null | undefined): Promise<UploadRecord> {
    const started = await this.store.uploads.get(id);
    const sha256 = await this.#sha256(id, started);
    if (declaredSha256 && declaredSha256.toLowerCase() !== sha256) {
      await this.discard(id);
      throw new RelayError(
        'CHECKSUM_MISMATCH',
        `The bytes received hash to ${sha256}, not the declared ${declaredSha256}; the upload was discarded`,
      );
    }
    const image = started && this.thumbnails ? await this.thumbnails.make(started) : null;
    const record = await this.store.uploads.complete(id, sha256, Date.now() + this.config.expireAfterMs, image);
    if (!record) throw new RelayError('UPLOAD_NOT_FOUND');
    return record;
  }

  /**
   * A whole file in one request (multipart): checks membership first, streams the bytes
   * into the same storage as resumable uploads, then records and checksums it.
   */
  async small(
    userId: string,
    conversationId: string,
    metadata: UploadMetadata,
    file: Readable & { truncated?: boolean },
  ): Promise<UploadRecord> {
    await this.#member(userId, conversationId);
    await this.#admit(userId);
    const id = this.newId();
    try {
      const size = await this.storeWhole(id, file, () => {
        if (file.truncated)
          throw new RelayError(
            'UPLOAD_TOO_LARGE',
            `Files sent in one request may be at most ${this.config.smallMaxBytes} bytes; use a resumable upload`,
          );
      });
      await this.begin(userId, id, { ...metadata, conversationId }, size, true);
    } catch (error) {
      await this.storage.remove(id);
      throw error;
    }
    return this.finish(id, metadata.sha256);
  }

  /**
   * Writes a stream of unknown length into storage as `id`, whole, and returns its size: a
   * multipart upload's file, or an archive the relay builds (a data export). `check` runs once
   * the bytes are written, before they are put together; what it throws fails the write (the
   * caller removes what was written).
   */
  async storeWhole(id: string, bytes: Readable, check?: () => void): Promise<number> {
    const datastore = this.storage.datastore;
    await datastore.create(new Upload({ id, offset: 0, metadata: {} }));
    const size = await datastore.write(bytes, id, 0);
    check?.();
    await datastore.declareUploadLength(id, size);
    // What tus's last, empty PATCH of an upload of deferred length does: a store that holds the
    // bytes in parts until it knows the length (S3's multipart upload) puts them together now.
    await datastore.write(Readable.from([]), id, size);
    return size;
  }

  /** Drops what the running hash of a stored file kept (a file the relay wrote, which `finish` never hashes). */
  forgetHash(id: string): void {
    this.#hashes.delete(id);
  }

  /** The caller's own upload (for resuming, checking or cancelling it); anything else is UPLOAD_NOT_FOUND. */
  async owned(userId: string, id: string): Promise<UploadRecord> {
    const record = await this.store.uploads.get(id);
    if (!record || record.ownerId !== userId) throw new RelayError('UPLOAD_NOT_FOUND');
    return record;
  }

  /**
   * Gives the caller's complete video upload, not yet in a message, the thumbnail of a still
   * they made of it (the poster): counted as an upload started. The upload as it now is (with no
   * thumbnail when the relay makes none).
   */
  async poster(userId: string, id: string, image: Buffer): Promise<UploadRecord> {
    const record = await this.owned(userId, id);
    if (!record.type.startsWith('video/'))
      throw new RelayError('BAD_REQUEST', `A poster is for a video upload; this one is ${record.type}`);
    if (!record.complete) throw new RelayError('UPLOAD_INCOMPLETE', 'The video has not received all its bytes yet');
    if (record.messageId) throw new RelayError('UPLOAD_NOT_FOUND', 'The upload is already in a message');
    const refusal = await this.quota.starts(userId);
    if (refusal) throw refusal;
    const made = await this.thumbnails?.poster(record, image);
    if (!made) return record;
    const updated = await this.store.uploads.setImage(id, made);
    if (!updated) throw new RelayError('UPLOAD_NOT_FOUND', 'The upload is already in a message');
    return updated;
  }

  /** What the caller may know of an upload: their own, or one of a conversation they are a member of. */
  async visible(userId: string, id: string): Promise<UploadRecord> {
    const record = await this.store.uploads.get(id);
    if (!record || (record.ownerId !== userId && !(await this.store.conversations.getMember(record.conversationId, userId))))
      throw new RelayError('UPLOAD_NOT_FOUND');
    return record;
  }

  /** Forgets an upload tus terminated (tus removed its bytes). */
  forget(id: string): Promise<void> {
    return this.store.uploads.delete(id);
  }

  /** A complete upload the caller may read: they are a member of its conversation. */
  async readable(userId: string, id: string): Promise<UploadRecord> {
    const record = await this.store.uploads.get(id);
    if (!record || !(await this.store.conversations.getMember(record.conversationId, userId))) throw new RelayError('UPLOAD_NOT_FOUND');
    if (!record.complete) throw new RelayError('UPLOAD_INCOMPLETE');
    return record;
  }

  /**
   * A link to an attached upload that works without a token until `expiresAt`: for platforms
   * that fetch a file a message carries (WhatsApp, Telegram…). HMAC-SHA256 of the id and
   * expiry with the relay's secret.
   */
  signedPath(id: string, expiresAt: number): string {
    return `/v1/uploads/${encodeURIComponent(id)}?expires=${expiresAt}&signature=${this.#sign(['download', id, expiresAt])}`;
  }

  /**
   * A member's short-lived link to a complete upload, for an `<img src>` or a download link:
   * bound to the upload and the user, and checked again against the user's membership when
   * used. Its expiry is rounded up to the next period of `linkTtlSeconds`, so links asked
   * within one period are the same URL (and the browser's cache holds).
   */
  async link(userId: string, id: string, now = Date.now()): Promise<{ url: string; expiresAt: number }> {
    await this.readable(userId, id);
    const period = this.config.linkTtlSeconds * 1000;
    const expiresAt = (Math.floor(now / period) + 2) * period;
    const signature = this.#sign(['member-download', id, userId, expiresAt]);
    const query = `user=${encodeURIComponent(userId)}&expires=${expiresAt}&signature=${signature}`;
    return { url: `/v1/uploads/${encodeURIComponent(id)}?${query}`, expiresAt };
  }

  /**
   * The upload a signed link names, when the signature holds and has not expired: a member's
   * link (`user` given) while they are still a member, or a platform's link to an attached upload.
   */
  async signedReadable(
    id: string,
    link: { user?: string | undefined; expires?: string | undefined; signature: string },
  ): Promise<UploadRecord> {
    const expiresAt = Number(link.expires);
    const fields = link.user === undefined ? ['download', id, expiresAt] : ['member-download', id, link.user, expiresAt];
    if (!linkHolds(this.linkSecret, fields, expiresAt, link.signature))
      throw new RelayError('UNAUTHENTICATED', 'The download link is invalid or has expired; ask for a new one');
    if (link.user !== undefined) return this.readable(link.user, id);
    const record = await this.store.uploads.get(id);
    if (!record?.complete || !record.messageId) throw new RelayError('UPLOAD_NOT_FOUND');
    return record;
  }

  #sign(fields: ReadonlyArray<string | number>): string {
    return signLink(this.linkSecret, fields);
  }

  /** Ties the sender's complete upload for this conversation to a message, once. */
  async attach(senderId: string, conversationId: string, uploadId: string, messageId: string): Promise<Attachment> {
    const record = await this.store.uploads.get(uploadId);
    if (!record || record.ownerId !== senderId || record.conversationId !== conversationId) throw new RelayError('UPLOAD_NOT_FOUND');
    if (!record.complete) throw new RelayError('UPLOAD_INCOMPLETE', 'The upload has not received all its bytes yet');
    const attached = await this.store.uploads.attach(uploadId, messageId);
    if (!attached?.sha256) throw new RelayError('UPLOAD_NOT_FOUND', 'The upload is attached to another message');
    const { name, type, size, sha256, width, height, thumbnail } = attached;
    return { uploadId, name, type, size, sha256, width, height, thumbnail };
  }

  /** Removes an upload's bytes and record. */
  async discard(id: string): Promise<void> {
    this.#hashes.delete(id);
    await this.storage.remove(id);
    await this.store.uploads.delete(id);
  }

  /** Deletes uploads past their expiry that no message uses; returns how many. */
  async sweep(now = Date.now()): Promise<number> {
    const expired = await this.store.uploads.expired(now, 500);
    for (const id of expired) await this.discard(id);
    return expired.length;
  }

  /**
   * Hashes bytes as the datastore writes them, when they arrive in order on this node (an
   * upload from its start, resumed here at the offset hashed so far), so completing a large
   * upload does not read it all back. Any other case is hashed from storage at the end.
   */
  #hashWhileWriting(): void {
    const datastore = this.storage.datastore;
    const write = datastore.write.bind(datastore);
    datastore.write = async (readable: Readable, id: string, offset: number) => {
      const running = this.#hashes.get(id);
      this.#hashes.delete(id);
      const hashing = offset === 0 ? { hash: createHash('sha256'), bytes: 0 } : running?.bytes === offset ? running : undefined;
      if (!hashing) return write(readable, id, offset);
      const tap = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hashing.hash.update(chunk);
          hashing.bytes += chunk.length;
          done(null, chunk);
        },
      });
      pipe(readable, tap, () => {});
      const written = await write(tap, id, offset);
      // Kept only when the hash saw exactly the bytes the store holds.
      if (written === hashing.bytes) this.#hashes.set(id, hashing);
      return written;
    };
  }

  async #sha256(id: string, record: UploadRecord | null): Promise<string> {
    const running = this.#hashes.get(id);
    this.#hashes.delete(id);
    if (running && record && running.bytes === record.size) return running.hash.digest('hex');
    const hash = createHash('sha256');
    await pipeline(await this.storage.read(id), hash);
    return hash.digest('hex');
  }

  /** How often a user starts uploads, and how many they have open at once. */
  async #admit(userId: string): Promise<void> {
    const refusal = await this.quota.starts(userId);
    if (refusal) throw refusal;
    const open = await this.store.uploads.countOpen(userId);
    if (open >= this.quota.maxOpen)
      throw rateLimited(
        OPEN_UPLOADS_RETRY_MS,
        `${open} uploads are started and not finished; finish or cancel one (DELETE its tus URL) before starting another`,
      );
  }

  async #member(userId: string, conversationId: string): Promise<void> {
    if (!(await this.store.conversations.getMember(conversationId, userId))) {
      throw new RelayError('CONVERSATION_NOT_FOUND', `Conversation ${conversationId} not found`);
    }
  }
}

/** Widest or tallest image or video a dimension may claim: what fits the stores' 32-bit columns. */
const MAX_DIMENSION = 2_147_483_647;

function dimension(value: string | null | undefined): number | null {
  const n = Number(value);
  return value && Number.isInteger(n) && n > 0 && n <= MAX_DIMENSION ? n : null;
}
