import type { Attachment, Metadata } from '@chat4all/protocol';
import type { Chat4AllError } from './errors.js';
import type { Outbox } from './outbox/outbox.js';
import type { OutboxEntry, OutboxFile } from './outbox/storage.js';
import { FileUpload, type UploadOptions, type UploadSource, type UploadTransport } from './upload.js';
import { uuidv7 } from './uuid.js';

export type SendFileOptions = Omit<UploadOptions, 'conversationId'> & { text?: string; metadata?: Metadata; replyTo?: string };

/**
 * File messages: an outbox entry that waits for its upload, sent once the upload completes.
 * The upload URL is kept on the entry, so a file left uploading by a previous page (whose
 * bytes the outbox kept) resumes where it stopped.
 */
export class FileMessages {
  /** Uploads of file messages in the outbox, by message id. */
  readonly #uploads = new Map<string, FileUpload>();
  readonly #outbox: Outbox;
  readonly #transport: UploadTransport;

  constructor(outbox: Outbox, transport: UploadTransport) {
    this.#outbox = outbox;
    this.#transport = transport;
    void outbox.load().then(() => this.resume());
  }

  /** An upload on its own, to attach later. */
  upload(source: UploadSource, options: UploadOptions): FileUpload {
    return new FileUpload(this.#transport, source, options);
  }

  /** Puts the message in the outbox at once (in order with the others) and starts its upload. */
  async send(conversationId: string, source: UploadSource, options: SendFileOptions): Promise<OutboxEntry> {
    const { text = '', metadata, replyTo, ...upload } = options;
    const blob = typeof Blob !== 'undefined' && source instanceof Blob ? source : undefined;
    const file: OutboxFile = {
      name: upload.name ?? (blob && 'name' in blob && typeof blob.name === 'string' ? blob.name : 'file'),
      type: upload.type || blob?.type || 'application/octet-stream',
      size: blob?.size ?? (source instanceof Uint8Array ? source.byteLength : 0),
    };
    if (upload.width) file.width = upload.width;
    if (upload.height) file.height = upload.height;
    if (blob) file.blob = blob;
    const entry = await this.#outbox.add({ id: uuidv7(), conversationId, text, createdAt: Date.now(), metadata, replyTo, file });
    this.#start(entry, source, { ...upload, name: file.name, type: file.type });
    return entry;
  }

  uploadOf(messageId: string): FileUpload | undefined {
    return this.#uploads.get(messageId);
  }

  /** Sends a failed message again; a file whose upload failed starts its upload again (from where the relay has it). */
  retry(id: string): Promise<void> {
    const entry = this.#outbox.entries.getSnapshot().find((e) => e.id === id);
    if (entry?.status === 'failed' && entry.file && !entry.file.attachment && entry.file.blob) {
      return this.#outbox.retry(id).then(() => this.resume());
    }
    return this.#outbox.retry(id);
  }

  /** Drops a failed message, or a file message still uploading (its upload is cancelled). */
  async cancel(id: string): Promise<void> {
    const upload = this.#uploads.get(id);
    this.#uploads.delete(id);
    await upload?.cancel();
    return this.#outbox.cancel(id);
  }

  /** The message was acked: its upload is done with. */
  sent(id: string): void {
    this.#uploads.delete(id);
  }

  /** File messages a previous page or session left uploading: resume those whose bytes were kept. */
  resume(): void {
    for (const entry of this.#outbox.entries.getSnapshot()) {
      const file = entry.file;
      if (entry.status !== 'pending' || !file || file.attachment || this.#uploads.has(entry.id)) continue;
      if (!(typeof Blob !== 'undefined' && file.blob instanceof Blob)) continue;
      this.#start(entry, file.blob, { name: file.name, type: file.type, width: file.width, height: file.height });
    }
  }

  #start(entry: OutboxEntry, source: UploadSource, options: Omit<UploadOptions, 'conversationId'>): void {
    const file = entry.file as OutboxFile;
    const upload = new FileUpload(
      this.#transport,
      source,
      { ...options, conversationId: entry.conversationId },
      { onUrl: (uploadUrl) => void this.#outbox.update(entry.id, { file: { ...this.#fileOf(entry.id, file), uploadUrl } }) },
      file.uploadUrl,
    );
    this.#uploads.set(entry.id, upload);
    upload.done.then(
      (info) => {
        const { id: uploadId, name, type, size, sha256, width, height, thumbnail } = info;
        const attachment: Attachment = { uploadId, name, type, size, sha256: sha256 ?? '', width, height, thumbnail: thumbnail ?? null };
        return this.#outbox.update(entry.id, { file: { ...this.#fileOf(entry.id, file), attachment } });
      },
      (error: Chat4AllError) => {
        if (error.code === 'CANCELLED') return;
        return this.#outbox.fail(entry.id, { code: error.code, message: error.message, retryable: error.retryable });
      },
    );
  }

  /** The latest file state of an outbox entry (its upload URL may have been stored since). */
  #fileOf(id: string, fallback: OutboxFile): OutboxFile {
    return this.#outbox.entries.getSnapshot().find((e) => e.id === id)?.file ?? fallback;
  }
}
