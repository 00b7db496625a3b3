import type {
  Conversation,
  ConversationStatus,
  ConversationSummary,
  GroupMentions,
  Member,
  MemberRole,
  Metadata,
} from '@chat4all/protocol';

/** Kinds of change recorded in a conversation's event log (new messages are their own log, by seq). */
export type StoredEventType =
  | 'message.updated'
  | 'message.deleted'
  | 'reaction.updated'
  | 'pin.updated'
  | 'receipt'
  | 'member.added'
  | 'member.updated'
  | 'member.removed'
  | 'conversation.updated'
  | 'delivery.updated'
  | 'settings.updated';

/** One entry of the event log: what changed and which row to read its current state from. */
export interface StoredEvent {
  eventSeq: number;
  type: StoredEventType;
  messageId: string | null;
  userId: string | null;
}

/** A member's resume position for one conversation. */
export interface SyncEntry {
  conversationId: string;
  lastSeq: number;
  lastEventSeq: number;
}

/** Where a page of the list ends: a pinned conversation by when it was pinned, any other by its activity. */
export interface ConversationCursor {
  pinnedAt: number | null;
  lastActivityAt: number;
  id: string;
}

export interface ConversationListPage {
  limit: number;
  after: ConversationCursor | null;
  /** Only archived (`true`) or only not archived (`false`) conversations; all when absent. */
  archived?: boolean | undefined;
  /** The agent-inbox filters: each one given narrows the list. */
  status?: ConversationStatus | undefined;
  assigneeId?: string | undefined;
  /** `false`: only unassigned ones; `true`: only assigned ones. */
  assigned?: boolean | undefined;
  teamId?: string | undefined;
}

export interface GroupInput {
  id: string;
  title: string | null;
  avatarUrl: string | null;
  metadata: Metadata;
  ownerId: string;
  memberIds: string[];
  now: number;
}

export interface ConversationPatch {
  title?: string | null;
  avatarUrl?: string | null;
  metadata?: Metadata;
  groupMentions?: GroupMentions;
  status?: ConversationStatus;
  assigneeId?: string | null;
  teamId?: string | null;
}

/** What a conditional update needs to hold when it writes. */
export interface ConversationCondition {
  status?: ConversationStatus;
  assigneeId?: string;
  /** This user is a member. */
  memberId?: string;
}

/** Conversations, their members, the event log of their changes and each member's resume position. */
export interface ConversationsRepository {
  /** Returns the one private conversation of the pair, creating it on first call. */
  createPrivate(input: { id: string; userIds: [string, string]; now: number }): Promise<{ conversation: Conversation; created: boolean }>;
  createGroup(input: GroupInput): Promise<Conversation>;
  get(id: string): Promise<Conversation | null>;
  /**
   * Records a `conversation.updated` event; the result's `lastEventSeq` is that event. With
   * `when`, only if the conversation is in that state at the time of the write: null (nothing
   * written) when it is not, as when the conversation does not exist.
   */
  update(id: string, patch: ConversationPatch, now: number, when?: ConversationCondition): Promise<Conversation | null>;

  getMember(conversationId: string, userId: string): Promise<Member | null>;
  /** Owner first, then admins, then members; each by join time. */
  listMembers(conversationId: string): Promise<Member[]>;
  /** Adds the users who are not members yet, each with a `member.added` event; returns only those added. */
  addMembers(
    conversationId: string,
    userIds: readonly string[],
    role: MemberRole,
    now: number,
  ): Promise<Array<{ member: Member; eventSeq: number }>>;
  /** Removes a member with a `member.removed` event; returns its event seq, or null if not a member. */
  removeMember(conversationId: string, userId: string, now: number): Promise<number | null>;
  setMemberRole(
    conversationId: string,
    userId: string,
    role: MemberRole,
    now: number,
  ): Promise<{ member: Member; eventSeq: number } | null>;
  /**
   * A member's conversations with last message, unread count, unread mentions (from the
   * mentions index: messages past the read horizon that mention the member or everyone, not
   * their own) and their own settings: those they pinned first (most recently pinned first),
   * then the others by most recent activity.
   */
  list(userId: string, page: ConversationListPage): Promise<ConversationSummary[]>;

  /** The event log after `afterEventSeq`, ascending, at most `limit` entries. */
  listEvents(conversationId: string, afterEventSeq: number, limit: number): Promise<StoredEvent[]>;
  /** The user's conversations with their current resume position. */
  syncState(userId: string): Promise<SyncEntry[]>;
  /** Which of `otherIds` share at least one conversation with `userId`. */
  sharingConversation(userId: string, otherIds: readonly string[]): Promise<Set<string>>;
}
