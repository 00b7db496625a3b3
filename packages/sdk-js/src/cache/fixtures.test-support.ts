import type { ConversationSummary, Message } from '@chat4all/protocol';

/** A text message of `conversationId` at `seq`, for the list's and views' tests. */
export const message = (conversationId: string, seq: number, senderId: string, createdAt: string): Message => ({
  id: `0192f0c1-7a2b-7c3d-8e4f-${String(seq).padStart(12, '0')}`,
  conversationId,
  seq,
  kind: 'text',
  senderId,
  text: `m${seq}`,
  metadata: {},
  attachment: null,
  content: null,
  replyTo: null,
  reactions: [],
  mentions: [],
  mentionsAll: false,
  previews: [],
  threadId: null,
  showInConversation: false,
  thread: null,
  createdAt,
  editedAt: null,
  deletedAt: null,
});

/** A conversation as the list holds it: open, unassigned, the user's settings the defaults. */
export const summary = (id: string, lastSeq: number, lastActivityAt: string, unreadCount = 0): ConversationSummary => ({
  id,
  type: 'private',
  title: null,
  avatarUrl: null,
  metadata: {},
  createdAt: '2026-12-01T10:00:00.000Z',
  lastActivityAt,
  lastSeq,
  lastEventSeq: 0,
  groupMentions: 'admins',
  status: 'open',
  assigneeId: null,
  teamId: null,
  role: 'member',
  memberCount: 2,
  peerId: null,
  lastMessage: null,
  unreadCount,
  unreadMentionCount: 0,
  settings: { mutedUntil: null, archived: false, pinnedAt: null, markedUnread: false },
});
