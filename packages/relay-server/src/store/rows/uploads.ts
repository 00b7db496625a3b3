import type { UploadRecord } from '../repositories/uploads.js';

export interface UploadRow {
  id: string;
  owner_id: string;
  conversation_id: string;
  name: string;
  type: string;
  size: number;
  sha256: string | null;
  width: number | null;
  height: number | null;
  thumbnail_width: number | null;
  thumbnail_height: number | null;
  complete: number | boolean;
  message_id: string | null;
  created_at: number;
  expires_at: number | null;
}

export const UPLOAD_COLUMNS =
  'id, owner_id, conversation_id, name, type, size, sha256, width, height, thumbnail_width, thumbnail_height, complete, message_id, created_at, expires_at';

export function toUploadRecord(row: UploadRow): UploadRecord {
  return {
    id: row.id,
    ownerId: row.owner_id,
    conversationId: row.conversation_id,
    name: row.name,
    type: row.type,
    size: Number(row.size),
    sha256: row.sha256,
    width: row.width,
    height: row.height,
    thumbnail:
      row.thumbnail_width !== null && row.thumbnail_height !== null ? { width: row.thumbnail_width, height: row.thumbnail_height } : null,
    complete: Boolean(row.complete),
    messageId: row.message_id,
    createdAt: Number(row.created_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
  };
}

export function uploadRow(record: UploadRecord): UploadRow {
  return {
    id: record.id,
    owner_id: record.ownerId,
    conversation_id: record.conversationId,
    name: record.name,
    type: record.type,
    size: record.size,
    sha256: record.sha256,
    width: record.width,
    height: record.height,
    thumbnail_width: record.thumbnail?.width ?? null,
    thumbnail_height: record.thumbnail?.height ?? null,
    complete: record.complete,
    message_id: record.messageId,
    created_at: record.createdAt,
    expires_at: record.expiresAt,
  };
}
