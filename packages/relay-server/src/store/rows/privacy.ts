import type { ExportRecord, ExportStatus } from '../repositories/privacy.js';

export interface ExportRow {
  id: string;
  user_id: string;
  status: ExportStatus;
  attempts: number;
  size: number | null;
  error: string | null;
  created_at: number;
  ready_at: number | null;
  expires_at: number | null;
}

export const EXPORT_COLUMNS = 'id, user_id, status, attempts, size, error, created_at, ready_at, expires_at';

export function toExportRecord(row: ExportRow): ExportRecord {
  return {
    id: row.id,
    userId: row.user_id,
    status: row.status,
    attempts: row.attempts,
    size: row.size,
    error: row.error,
    createdAt: row.created_at,
    readyAt: row.ready_at,
    expiresAt: row.expires_at,
  };
}
