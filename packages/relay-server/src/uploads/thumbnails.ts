import type { Readable } from 'node:stream';
import { bulkhead } from 'cockatiel';
import type { Logger } from 'pino';
import type { RelayConfig } from '../config.js';
import { RelayError } from '../errors.js';
import type { UploadImage, UploadRecord } from '../store/types.js';
import type { UploadStorage } from './storage.js';

type Sharp = typeof import('sharp');

interface Encoded {
  bytes: Buffer;
  image: UploadImage;
}

/**
 * Images one node decodes at once: a large one takes as much memory as its pixels (4 bytes
 * each, up to `maxInputPixels`), so uploads finishing together wait their turn rather than
 * add up.
 */
const AT_ONCE = 2;

/** What a poster may be, by what its bytes are (whatever its Content-Type said). */
const POSTER_FORMATS: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp']);

/** Raster images libvips decodes without a delegate of its own: what gets a thumbnail. */
const RASTER_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif']);

/**
 * Thumbnails of image uploads, made with `sharp` (libvips) when the last byte arrives. Every
 * image is treated as hostile: one over `maxInputBytes` or `maxInputPixels`, one that does not
 * decode, or one that takes longer than `timeoutSeconds` gets no thumbnail, logged at warn;
 * the upload completes all the same. `sharp` is loaded on first use, so a platform it has no
 * binary for only loses thumbnails.
 */
export class Thumbnailer {
  #sharp: Promise<Sharp | null> | undefined;
  /** Uploads finishing together wait their turn, in order, however many they are. */
  readonly #decoding = bulkhead(AT_ONCE, Number.POSITIVE_INFINITY);

  constructor(
    private readonly config: RelayConfig['uploads']['thumbnails'],
    private readonly storage: Pick<UploadStorage, 'read' | 'writeThumbnail'>,
    private readonly log: Pick<Logger, 'warn'>,
  ) {}

  /** Whether this upload is worth reading back for a thumbnail. */
  wants(record: Pick<UploadRecord, 'type' | 'size'>): boolean {
    const type = record.type.split(';')[0]?.trim() ?? '';
    return this.config.enabled && RASTER_TYPES.has(type) && record.size > 0 && record.size <= this.config.maxInputBytes;
  }

  /**
   * Makes and stores the thumbnail of an image upload whose bytes are all stored: it fits inside
   * `size`×`size`, never enlarged, turned upright by its EXIF orientation, the first frame of an
   * animation. What was found, or null when the upload is no image this makes thumbnails of.
   */
  async make(record: Pick<UploadRecord, 'id' | 'type' | 'size'>): Promise<UploadImage | null> {
    if (!this.wants(record)) return null;
    const sharp = await this.#load();
    if (!sharp) return null;
    return this.#decoding.execute(() => this.#make(sharp, record));
  }

  /**
   * Makes and stores the thumbnail of a video upload from a still its uploader made of it (the
   * poster), under the same bounds as an image upload. Null when thumbnails are off or `sharp` has
   * no binary here; BAD_REQUEST when the poster is no image `sharp` decodes within those bounds.
   */
  async poster(record: Pick<UploadRecord, 'id'>, input: Buffer): Promise<UploadImage | null> {
    // Bytes only, never a string: sharp would read a string as a path on this machine.
    if (!Buffer.isBuffer(input)) throw new RelayError('UNSUPPORTED_MEDIA_TYPE', 'A poster is a JPEG, PNG or WebP image');
    const sharp = this.config.enabled ? await this.#load() : null;
    if (!sharp) return null;
    const encoded = await this.#decoding.execute(async () => {
      try {
        return await this.#encode(sharp, input, POSTER_FORMATS);
      } catch (err) {
        this.log.warn({ err, uploadId: record.id }, 'a poster was refused');
        throw new RelayError('BAD_REQUEST', 'The poster is not a JPEG, PNG or WebP image within the relay’s limits');
      }
    });
    return this.#store(record, encoded);
  }

  async #make(sharp: Sharp, record: Pick<UploadRecord, 'id' | 'type'>): Promise<UploadImage | null> {
    let encoded: Encoded;
    try {
      encoded = await this.#encode(sharp, await readAll(await this.storage.read(record.id), this.config.maxInputBytes));
    } catch (err) {
      this.log.warn({ err, uploadId: record.id, type: record.type }, 'no thumbnail for an image upload');
      return null;
    }
    return this.#store(record, encoded);
  }

  /** The image's size and its thumbnail, or why not; an image in none of `formats` (when given) is refused. */
  async #encode(sharp: Sharp, input: Buffer, formats?: ReadonlySet<string>): Promise<Encoded> {
    const options = { limitInputPixels: this.config.maxInputPixels, failOn: 'warning', animated: false } as const;
    const { autoOrient, format } = await sharp(input, options).metadata();
    if (formats && !formats.has(format)) throw new Error(`a ${format} image is not taken here`);
    if (autoOrient.width * autoOrient.height > this.config.maxInputPixels)
      throw new Error(`${autoOrient.width}×${autoOrient.height} is over the ${this.config.maxInputPixels} pixels allowed`);
    const { data, info } = await sharp(input, options)
      .timeout({ seconds: this.config.timeoutSeconds })
      .autoOrient()
      .resize(this.config.size, this.config.size, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 75 })
      .toBuffer({ resolveWithObject: true });
    return {
      bytes: data,
      image: { width: autoOrient.width, height: autoOrient.height, thumbnail: { width: info.width, height: info.height } },
    };
  }

  async #store(record: Pick<UploadRecord, 'id'>, { bytes, image }: Encoded): Promise<UploadImage> {
    try {
      await this.storage.writeThumbnail(record.id, bytes);
      return image;
    } catch (err) {
      this.log.warn({ err, uploadId: record.id }, 'an upload’s thumbnail could not be stored');
      return { ...image, thumbnail: null };
    }
  }

  #load(): Promise<Sharp | null> {
    this.#sharp ??= import('sharp').then(
      (module) => (module as { default?: Sharp }).default ?? (module as unknown as Sharp),
      (err: unknown) => {
        this.log.warn({ err }, 'sharp could not be loaded: image uploads get no thumbnails');
        return null;
      },
    );
    return this.#sharp;
  }
}

/** The stream's bytes, refusing more than `max` (the record's size is what the uploader declared). */
async function readAll(stream: Readable, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += (chunk as Buffer).length;
    if (total > max) {
      stream.destroy();
      throw new Error(`the image is over the ${max} bytes a thumbnail is made from`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
