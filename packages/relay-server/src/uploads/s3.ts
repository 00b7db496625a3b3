import type { Readable } from 'node:stream';
import { S3Store } from '@tus/s3-store';
import { thumbnailKey, type UploadStorage } from './storage.js';

export interface S3UploadStorageOptions {
  bucket: string;
  region?: string;
  /** For S3-compatible stores (MinIO, R2, Ceph…): their URL. */
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Path-style URLs (`endpoint/bucket/key`), which most S3-compatible stores need. @default true with an endpoint */
  forcePathStyle?: boolean;
  /** Size of the multipart parts `@tus/s3-store` writes. @default 8 MiB */
  partSize?: number;
  /** Incomplete uploads expire after this (tus `Upload-Expires`). */
  expirationPeriodInMilliseconds?: number;
}

/** `@tus/s3-store` with the reads and deletes the relay needs (downloads with ranges, checksums, expiry). */
class RelayS3Store extends S3Store {
  async readRange(id: string, range?: { start: number; end: number }): Promise<Readable> {
    const object = await this.client.getObject({
      Bucket: this.bucket,
      Key: id,
      Range: range ? `bytes=${range.start}-${range.end}` : undefined,
    });
    return object.Body as Readable;
  }

  async putThumbnail(id: string, bytes: Buffer): Promise<void> {
    await this.client.putObject({ Bucket: this.bucket, Key: thumbnailKey(id), Body: bytes, ContentType: 'image/webp' });
  }

  async getThumbnail(id: string): Promise<Readable> {
    return (await this.client.getObject({ Bucket: this.bucket, Key: thumbnailKey(id) })).Body as Readable;
  }

  /** Deletes the object, its thumbnail, its tus info and any incomplete part; aborts the multipart upload if one is open. */
  async discard(id: string): Promise<void> {
    const metadata = await this.getMetadata(id).catch(() => undefined);
    const uploadId = metadata?.['upload-id'];
    if (uploadId) await this.client.abortMultipartUpload({ Bucket: this.bucket, Key: id, UploadId: uploadId }).catch(() => {});
    for (const key of [id, thumbnailKey(id), this.infoKey(id), this.partKey(id, true)])
      await this.client.deleteObject({ Bucket: this.bucket, Key: key });
    await this.clearCache(id);
  }
}

/** Uploads in an S3 bucket (or an S3-compatible store), for relay nodes that share storage. */
export class S3UploadStorage implements UploadStorage {
  readonly datastore: RelayS3Store;

  constructor(options: S3UploadStorageOptions) {
    const { bucket, region, endpoint, accessKeyId, secretAccessKey, forcePathStyle, partSize, expirationPeriodInMilliseconds } = options;
    this.datastore = new RelayS3Store({
      partSize: partSize ?? 8 * 1024 * 1024,
      expirationPeriodInMilliseconds,
      s3ClientConfig: {
        bucket,
        region: region ?? 'us-east-1',
        endpoint,
        forcePathStyle: forcePathStyle ?? endpoint !== undefined,
        credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
        // Recent AWS SDKs send part bodies `aws-chunked` with a trailing checksum by default;
        // S3-compatible stores that do not decode it would keep the framing as file bytes.
        ...(endpoint ? { requestChecksumCalculation: 'WHEN_REQUIRED' as const, responseChecksumValidation: 'WHEN_REQUIRED' as const } : {}),
      },
    });
  }

  read(id: string, range?: { start: number; end: number }): Promise<Readable> {
    return this.datastore.readRange(id, range);
  }

  remove(id: string): Promise<void> {
    return this.datastore.discard(id);
  }

  writeThumbnail(id: string, bytes: Buffer): Promise<void> {
    return this.datastore.putThumbnail(id, bytes);
  }

  readThumbnail(id: string): Promise<Readable> {
    return this.datastore.getThumbnail(id);
  }
}
