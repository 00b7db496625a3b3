import type { UploadInfo } from '@chat4all/protocol';
import { iso, isoOrNull } from '../shared/time.js';
import type { UploadRecord } from '../store/types.js';

export function toUploadInfo(record: UploadRecord): UploadInfo {
  return {
    id: record.id,
    conversationId: record.conversationId,
    name: record.name,
    type: record.type,
    size: record.size,
    complete: record.complete,
    sha256: record.sha256,
    width: record.width,
    height: record.height,
    thumbnail: record.thumbnail,
    messageId: record.messageId,
    createdAt: iso(record.createdAt),
    expiresAt: isoOrNull(record.expiresAt),
  };
}
