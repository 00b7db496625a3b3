import { randomUUID } from 'node:crypto';
import type {
  AddMembersBody,
  Conversation,
  ConversationDetail,
  ConversationPage,
  CreateConversationBody,
  ListConversationsQuery,
  Member,
  MemberRole,
  UpdateConversationBody,
} from '@chat4all/protocol';
import { isId } from '@chat4all/protocol';
import type { Principal } from '../auth/tokens.js';
import type { Publisher } from '../bus/node-events.js';
import type { ConversationEnvelope } from '../bus/types.js';
import { RelayError } from '../errors.js';
import { checkMetadataSize, enforceUserLimit } from '../limits/errors.js';
import type { Limits } from '../limits/limits.js';
import type { ConversationCondition, ConversationCursor, ConversationPatch, Store } from '../store/types.js';

export interface Access {
  conversation: Conversation;
  /** The caller's membership; `null` for the server API key. */
  member: Member | null;
}

const MANAGERS: readonly MemberRole[] = ['owner', 'admin'];

export interface ConversationServiceOptions {
  /** Largest conversation metadata, in bytes of JSON (the limit messages have too). */
  metadataMaxBytes: number;
  /** Per-user limits: conversations created or changed (`conversation`), members added, removed or changed (`member`, one each). */
  rateLimits: Pick<Limits, 'write'>;
}

/**
 * Conversations and their members. Every call starts with {@link access}: a user who is not
 * a member gets CONVERSATION_NOT_FOUND, exactly as for a conversation that does not exist.
 */
export class ConversationService {
  constructor(
    private readonly store: Pick<Store, 'conversations' | 'users' | 'safety'>,
    private readonly bus: Publisher,
    private readonly options: ConversationServiceOptions = {
      metadataMaxBytes: Number.POSITIVE_INFINITY,
      rateLimits: { write: async () => undefined },
    },
  ) {}

  /** The conversations a user is a member of: the rooms their sockets join. */
  async idsOf(userId: string): Promise<string[]> {
    return (await this.store.conversations.syncState(userId)).map((entry) => entry.conversationId);
  }

  /** Which of `others` share a conversation with the user. */
  sharingConversation(userId: string, others: string[]): Promise<Set<string>> {
    return this.store.conversations.sharingConversation(userId, others);
  }

  async access(principal: Principal, conversationId: string): Promise<Access> {
    const notFound = () => new RelayError('CONVERSATION_NOT_FOUND', `Conversation ${conversationId} not found`);
    if (principal.kind === 'server') {
      const conversation = await this.store.conversations.get(conversationId);
      if (!conversation) throw notFound();
      return { conversation, member: null };
    }
    const member = await this.store.conversations.getMember(conversationId, principal.userId);
    if (!member) throw notFound();
    const conversation = await this.store.conversations.get(conversationId);
    if (!conversation) throw notFound();
    return { conversation, member };
  }

  async create(principal: Principal, body: CreateConversationBody): Promise<{ conversation: ConversationDetail; created: boolean }> {
    const creator = this.#creator(principal, body.createdBy);
    await this.#limit(principal, 'conversation');
    if (body.type === 'group') {
      checkMetadataSize(body.metadata, this.options.metadataMaxBytes);
      if (body.memberIds?.length) await this.#limit(principal, 'member', body.memberIds.length);
    }
    const now = Date.now();
    if (body.type === 'private') {
      if (body.userId === creator) throw new RelayError('BAD_REQUEST', 'A private conversation needs two different users');
      await this.#requireUsers([creator, body.userId]);
      if (await this.store.safety.hasBlocked(body.userId, creator)) throw new RelayError('BLOCKED', 'You cannot message this user');
      const { conversation, created } = await this.store.conversations.createPrivate({
        id: randomUUID(),
        userIds: [creator, body.userId],
        now,
      });
      const detail = await this.#detail(conversation);
      if (created)
        await this.#announce(
          detail,
          detail.members.map((m) => m.userId),
        );
      return { conversation: detail, created };
    }
    const memberIds = [...new Set(body.memberIds ?? [])].filter((id) => id !== creator);
    await this.#requireUsers([creator, ...memberIds]);
    const conversation = await this.store.conversations.createGroup({
      id: randomUUID(),
      title: body.title ?? null,
      avatarUrl: body.avatarUrl ?? null,
      metadata: body.metadata ?? {},
      ownerId: creator,
      memberIds,
      now,
    });
    const detail = await this.#detail(conversation);
    await this.#announce(
      detail,
      detail.members.map((m) => m.userId),
    );
    return { conversation: detail, created: true };
  }

  /** Tells the members of a conversation created outside this service (a new contact's) that it exists. */
  async announceCreated(conversationId: string): Promise<void> {
    const conversation = await this.store.conversations.get(conversationId);
    if (!conversation) return;
    const detail = await this.#detail(conversation);
    await this.#announce(
      detail,
      detail.members.map((m) => m.userId),
    );
  }

  async get(principal: Principal, conversationId: string): Promise<ConversationDetail> {
    const { conversation } = await this.access(principal, conversationId);
    return this.#detail(conversation);
  }

  async list(userId: string, query: ListConversationsQuery): Promise<ConversationPage> {
    const { cursor, limit = 30, ...filters } = query;
    const after = cursor ? decodeCursor(cursor) : null;
    const conversations = await this.store.conversations.list(userId, { ...filters, limit, after });
    const last = conversations.length === limit ? conversations[conversations.length - 1] : undefined;
    return {
      conversations,
      nextCursor: last
        ? encodeCursor({
            pinnedAt: last.settings.pinnedAt === null ? null : Date.parse(last.settings.pinnedAt),
            lastActivityAt: Date.parse(last.lastActivityAt),
            id: last.id,
          })
        : null,
    };
  }

  /**
   * Changes a conversation. Its title, picture, metadata and who may mention everyone are a
   * group's admins' and owner's to change; where it stands in an agent inbox (status,
   * assignee, team) is any member's.
   */
  async update(principal: Principal, conversationId: string, patch: UpdateConversationBody): Promise<Conversation> {
    const access = await this.access(principal, conversationId);
    const { status, assigneeId, teamId, ...group } = patch;
    if (Object.keys(group).length > 0) this.#requireGroupManager(access);
    await this.#limit(principal, 'conversation');
    checkMetadataSize(patch.metadata, this.options.metadataMaxBytes);
    if (!assigneeId) return this.#update(conversationId, patch);
    // An assignee is a member who is not a contact (someone who can see and answer it), as of the write.
    const notAssignable = () =>
      new RelayError('USER_NOT_FOUND', `User ${assigneeId} is not a member of this conversation who can be assigned it`, {
        details: { userIds: [assigneeId] },
      });
    if (assigneeId.startsWith('contact:')) throw notAssignable();
    const updated = await this.#update(conversationId, patch, { memberId: assigneeId });
    if (updated) return updated;
    throw (await this.store.conversations.get(conversationId)) ? notAssignable() : new RelayError('CONVERSATION_NOT_FOUND');
  }

  /** A contact wrote in: a resolved conversation is open again (a pending one stays pending). */
  async reopen(conversationId: string): Promise<void> {
    await this.#update(conversationId, { status: 'open' }, { status: 'resolved' });
  }

  /** Writes and announces a change; with `when`, only if the conversation is in that state then (null otherwise). */
  async #update(conversationId: string, patch: ConversationPatch): Promise<Conversation>;
  async #update(conversationId: string, patch: ConversationPatch, when: ConversationCondition): Promise<Conversation | null>;
  async #update(conversationId: string, patch: ConversationPatch, when?: ConversationCondition): Promise<Conversation | null> {
    const conversation = await this.store.conversations.update(conversationId, patch, Date.now(), when);
    if (!conversation) {
      if (when) return null;
      throw new RelayError('CONVERSATION_NOT_FOUND');
    }
    await this.#publish({ conversationId, event: { type: 'conversation.updated', conversation, eventSeq: conversation.lastEventSeq } });
    return conversation;
  }

  async members(principal: Principal, conversationId: string): Promise<Member[]> {
    await this.access(principal, conversationId);
    return this.store.conversations.listMembers(conversationId);
  }

  async addMembers(principal: Principal, conversationId: string, body: AddMembersBody): Promise<Member[]> {
    const access = await this.access(principal, conversationId);
    this.#requireGroupManager(access);
    await this.#limit(principal, 'member', body.userIds.length);
    await this.#requireUsers(body.userIds);
    const banned = [...(await this.store.safety.banned(conversationId, body.userIds))];
    if (banned.length > 0)
      throw new RelayError('MEMBER_BANNED', `Banned from this conversation: ${banned.join(', ')}`, { details: { userIds: banned } });
    const added = await this.store.conversations.addMembers(conversationId, body.userIds, body.role ?? 'member', Date.now());
    if (added.length > 0) {
      // New members first get the conversation itself, then everyone sees who joined.
      const detail = await this.#detail((await this.store.conversations.get(conversationId)) ?? access.conversation);
      await this.#announce(
        detail,
        added.map((a) => a.member.userId),
      );
      for (const { member, eventSeq } of added)
        await this.#publish({ conversationId, event: { type: 'member.added', conversationId, member, eventSeq } });
    }
    return this.store.conversations.listMembers(conversationId);
  }

  /** Removes a member (admins and the owner), or leaves (any member removing themselves). */
  async removeMember(principal: Principal, conversationId: string, userId: string): Promise<void> {
    const access = await this.access(principal, conversationId);
    if (access.conversation.type === 'private') throw new RelayError('FORBIDDEN', 'Members of a private conversation cannot change');
    const leaving = access.member?.userId === userId;
    if (!leaving) this.#requireGroupManager(access);
    await this.#limit(principal, 'member');
    const target = await this.store.conversations.getMember(conversationId, userId);
    if (!target) throw new RelayError('USER_NOT_FOUND', `User ${userId} is not a member of this conversation`);
    if (!leaving && target.role === 'owner' && access.member !== null) throw new RelayError('FORBIDDEN', 'The owner cannot be removed');
    await this.#remove(conversationId, userId, target.role);
  }

  /**
   * Removes a member a ban keeps out, announced as any removal; the ban (safety) has checked
   * who asked and counted the change. Nothing to do for one who is not a member.
   */
  async evict(conversationId: string, userId: string): Promise<void> {
    const target = await this.store.conversations.getMember(conversationId, userId);
    if (target) await this.#remove(conversationId, userId, target.role);
  }

  async #remove(conversationId: string, userId: string, role: Member['role']): Promise<void> {
    const eventSeq = await this.store.conversations.removeMember(conversationId, userId, Date.now());
    if (eventSeq === null) throw new RelayError('USER_NOT_FOUND', `User ${userId} is not a member of this conversation`);
    // The removed user's connections get this last event, then leave the room.
    await this.#publish({ conversationId, event: { type: 'member.removed', conversationId, userId, eventSeq }, leave: [userId] });
    if (role === 'owner') await this.#handOverOwnership(conversationId);
    // One who left cannot answer it: the conversation goes back to the unassigned (unless it was given to someone else meanwhile).
    await this.#update(conversationId, { assigneeId: null }, { assigneeId: userId });
  }

  async setRole(principal: Principal, conversationId: string, userId: string, role: 'admin' | 'member'): Promise<Member> {
    const access = await this.access(principal, conversationId);
    this.#requireGroupManager(access);
    await this.#limit(principal, 'member');
    const target = await this.store.conversations.getMember(conversationId, userId);
    if (!target) throw new RelayError('USER_NOT_FOUND', `User ${userId} is not a member of this conversation`);
    if (target.role === 'owner') throw new RelayError('FORBIDDEN', "The owner's role cannot be changed");
    return this.#changeRole(conversationId, userId, role);
  }

  async #changeRole(conversationId: string, userId: string, role: MemberRole): Promise<Member> {
    const updated = await this.store.conversations.setMemberRole(conversationId, userId, role, Date.now());
    if (!updated) throw new RelayError('USER_NOT_FOUND', `User ${userId} is not a member of this conversation`);
    const { member, eventSeq } = updated;
    await this.#publish({ conversationId, event: { type: 'member.updated', conversationId, member, eventSeq } });
    return member;
  }

  async #handOverOwnership(conversationId: string): Promise<void> {
    const remaining = await this.store.conversations.listMembers(conversationId);
    const heir = remaining.find((m) => m.role === 'admin') ?? remaining[0];
    if (heir) await this.#changeRole(conversationId, heir.userId, 'owner');
  }

  /** The server API key is not limited; a user is, per kind of write. */
  #limit(principal: Principal, kind: 'conversation' | 'member', count = 1): Promise<void> {
    return enforceUserLimit(principal, (userId) => this.options.rateLimits.write(kind, userId, count));
  }

  #creator(principal: Principal, createdBy: string | undefined): string {
    if (principal.kind === 'user') {
      if (createdBy !== undefined && createdBy !== principal.userId)
        throw new RelayError('FORBIDDEN', 'createdBy is for the server API key only');
      return principal.userId;
    }
    if (!createdBy) throw new RelayError('BAD_REQUEST', 'With the server API key, createdBy names the creating user');
    return createdBy;
  }

  #requireGroupManager(access: Access): void {
    if (access.conversation.type === 'private') throw new RelayError('FORBIDDEN', 'A private conversation has no admins');
    if (access.member && !MANAGERS.includes(access.member.role))
      throw new RelayError('FORBIDDEN', 'Only admins and the owner manage this conversation');
  }

  async #requireUsers(ids: readonly string[]): Promise<void> {
    const existing = await this.store.users.existingIds(ids);
    const missing = ids.filter((id) => !existing.has(id));
    if (missing.length > 0)
      throw new RelayError('USER_NOT_FOUND', `Unknown user(s): ${missing.join(', ')}`, { details: { userIds: missing } });
  }

  async #detail(conversation: Conversation): Promise<ConversationDetail> {
    return { ...conversation, members: await this.store.conversations.listMembers(conversation.id) };
  }

  /** Sends the conversation snapshot to `userIds`, joining their connections to its room. */
  async #announce(detail: ConversationDetail, userIds: readonly string[]): Promise<void> {
    const { members, ...conversation } = detail;
    await this.#publish({
      conversationId: detail.id,
      event: { type: 'conversation.created', conversation, members },
      join: userIds,
      to: userIds,
    });
  }

  async #publish(envelope: Omit<ConversationEnvelope, 'kind'>): Promise<void> {
    await this.bus.publish({ kind: 'conversation', ...envelope });
  }
}

/** `<lastActivityAt>:<id>` after a conversation not pinned, `p<pinnedAt>:<id>` after a pinned one. */
function encodeCursor(cursor: ConversationCursor): string {
  const key = cursor.pinnedAt === null ? String(cursor.lastActivityAt) : `p${cursor.pinnedAt}`;
  return Buffer.from(`${key}:${cursor.id}`).toString('base64url');
}

function decodeCursor(text: string): ConversationCursor {
  const decoded = Buffer.from(text, 'base64url').toString();
  const colon = decoded.indexOf(':');
  const pinned = decoded.startsWith('p');
  const key = Number(decoded.slice(pinned ? 1 : 0, colon));
  const id = decoded.slice(colon + 1);
  if (colon < (pinned ? 2 : 1) || !Number.isSafeInteger(key) || !isId(id))
    throw new RelayError('BAD_REQUEST', 'cursor is not one this relay issued');
  return pinned ? { pinnedAt: key, lastActivityAt: 0, id } : { pinnedAt: null, lastActivityAt: key, id };
}
