/** An upload's record: owner, conversation, file facts, and what became of it. Times in epoch ms. */
export interface UploadRecord {
  id: string;
  ownerId: string;
  conversationId: string;
  name: string;
  type: string;
  size: number;
  /** Computed by the relay when the last byte arrived. */
  sha256: string | null;
  width: number | null;
  height: number | null;
  /** The size of the WebP thumbnail the relay made of an image, beside its bytes; null when there is none. */
  thumbnail: { width: number; height: number } | null;
  complete: boolean;
  messageId: string | null;
  createdAt: number;
  /** Deleted after this unless attached; null once attached. */
  expiresAt: number | null;
}

/** What the relay learnt of an image upload when it completed. */
export interface UploadImage {
  width: number;
  height: number;
  thumbnail: { width: number; height: number } | null;
}

/** Uploads: their records from the first byte until they are attached or expire. */
export interface UploadsRepository {
  create(record: UploadRecord): Promise<void>;
  get(id: string): Promise<UploadRecord | null>;
  /**
   * Marks an upload complete with its checksum; it now expires at `expiresAt` unless attached.
   * What the relay found in an image: its size, kept only where the uploader gave none, and its thumbnail's.
   */
  complete(id: string, sha256: string, expiresAt: number, image?: UploadImage | null): Promise<UploadRecord | null>;
  /**
   * Records the thumbnail made of a complete upload that no message holds yet (a video's poster),
   * with the size it found, kept only where the uploader gave none. Null when there is no such upload.
   */
  setImage(id: string, image: UploadImage): Promise<UploadRecord | null>;
  /**
   * Ties a complete upload to a message (once: the same message again is fine, another is
   * not) and stops its expiry. The upload as it now is, or null when it cannot be attached.
   */
  attach(id: string, messageId: string): Promise<UploadRecord | null>;
  /** How many uploads a user has started and not finished. */
  countOpen(ownerId: string): Promise<number>;
  /** Ids of uploads past their expiry and attached to no message, oldest first. */
  expired(now: number, limit: number): Promise<string[]>;
  delete(id: string): Promise<void>;
}
