import type { ReportReason, ReportStatus } from '@chat4all/protocol';
import type { StoredReport, StoredRestriction } from '../repositories/safety.js';

export const RESTRICTION_COLUMNS = 'r.conversation_id, r.user_id, r.kind, r.until, r.created_by, r.created_at';
export const REPORT_COLUMNS =
  'p.id, p.conversation_id, p.message_id, p.reporter_id, p.reason, p.text, p.status, p.created_at, p.closed_at, p.note';

export interface RestrictionRow {
  conversation_id: string;
  user_id: string;
  kind: string;
  until: number | string | null;
  created_by: string | null;
  created_at: number | string;
}

export interface ReportRow {
  id: string;
  conversation_id: string;
  message_id: string;
  reporter_id: string;
  reason: string;
  text: string | null;
  status: string;
  created_at: number | string;
  closed_at: number | string | null;
  note: string | null;
}

export function toRestriction(row: RestrictionRow): StoredRestriction {
  return {
    conversationId: row.conversation_id,
    userId: row.user_id,
    kind: row.kind === 'ban' ? 'ban' : 'mute',
    until: row.until === null ? null : Number(row.until),
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
  };
}

export function toReport(row: ReportRow): StoredReport {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    messageId: row.message_id,
    reporterId: row.reporter_id,
    reason: row.reason as ReportReason,
    text: row.text,
    status: row.status as ReportStatus,
    createdAt: Number(row.created_at),
    closedAt: row.closed_at === null ? null : Number(row.closed_at),
    note: row.note,
  };
}
