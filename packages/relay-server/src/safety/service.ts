import { randomUUID } from 'node:crypto';
import type { Block, MemberRestriction, Report, ReportMessageBody, ReportPage, ReportStatus } from '@chat4all/protocol';
import type { Principal } from '../auth/tokens.js';
import type { Publisher } from '../bus/node-events.js';
import type { Access, ConversationService } from '../conversations/service.js';
import { RelayError } from '../errors.js';
import { enforceUserLimit } from '../limits/errors.js';
import type { Limits } from '../limits/limits.js';
import { iso } from '../shared/time.js';
import type { Store, StoredReport, StoredRestriction } from '../store/types.js';

/** What the safety feature reports to the rest of the node (app webhooks). */
export interface SafetyObserver {
  reportCreated?(report: Report): void;
}

/**
 * Blocks, mutes and bans, and reports. A block is the blocker's alone: the blocked one cannot
 * open or write in a private conversation with the blocker, and in groups the blocker no
 * longer sees what the blocked one writes (history, resume and live frames); nobody else's
 * view changes. Mutes and bans are a group's admins' (and the server API key's).
 */
export class SafetyService {
  readonly #observers = new Set<SafetyObserver>();

  constructor(
    private readonly store: Pick<Store, 'safety' | 'users' | 'conversations' | 'messages'>,
    private readonly bus: Publisher,
    private readonly conversations: ConversationService,
    private readonly limits: Pick<Limits, 'write'>,
  ) {}

  observe(observer: SafetyObserver): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  async block(userId: string, targetId: string): Promise<{ block: Block; created: boolean }> {
    if (targetId === userId) throw new RelayError('BAD_REQUEST', 'A user cannot block themselves');
    await this.#limit('block', userId);
    if (!(await this.store.users.existingIds([targetId])).has(targetId))
      throw new RelayError('USER_NOT_FOUND', `User ${targetId} not found`);
    const now = Date.now();
    const created = await this.store.safety.block(userId, targetId, now);
    if (created) await this.bus.publish({ kind: 'blocks', userId, targetId, blocked: true });
    const held = (await this.store.safety.blocks(userId)).find((b) => b.blockedId === targetId);
    return { block: { userId: targetId, createdAt: iso(held?.createdAt ?? now) }, created };
  }

  async unblock(userId: string, targetId: string): Promise<void> {
    await this.#limit('block', userId);
    if (await this.store.safety.unblock(userId, targetId)) await this.bus.publish({ kind: 'blocks', userId, targetId, blocked: false });
  }

  async blocks(userId: string): Promise<Block[]> {
    return (await this.store.safety.blocks(userId)).map((b) => ({ userId: b.blockedId, createdAt: iso(b.createdAt) }));
  }

  /** The senders whose messages `userId` does not see: those they blocked. */
  async hiddenFor(userId: string): Promise<Set<string>> {
    return new Set((await this.store.safety.blocks(userId)).map((b) => b.blockedId));
  }

  /**
   * Refuses a send by a muted member, and any send in a private conversation where one of the
   * two blocked the other. The append checks this again, in its transaction, and decides; this
   * earlier read keeps a refused send from claiming its file or reaching moderation.
   */
  async checkSend(conversationId: string, senderId: string): Promise<void> {
    const { mutedUntil, blocked } = await this.store.safety.sendRestrictions(conversationId, senderId, Date.now());
    if (mutedUntil !== undefined) throw sendRefusal('MEMBER_MUTED', mutedUntil);
    if (blocked) throw sendRefusal('BLOCKED');
  }

  /**
   * Why a contact's message from its channel is not taken into the conversation: the contact is
   * banned from it or muted in it. The platform cannot be told no, so the message is dropped.
   */
  async inboundRefusal(conversationId: string, contactId: string): Promise<'banned' | 'muted' | null> {
    if ((await this.store.safety.banned(conversationId, [contactId])).size > 0) return 'banned';
    const { mutedUntil } = await this.store.safety.sendRestrictions(conversationId, contactId, Date.now());
    return mutedUntil === undefined ? null : 'muted';
  }

  async mute(principal: Principal, conversationId: string, userId: string, until: string | null): Promise<MemberRestriction> {
    const access = await this.#manage(principal, conversationId, userId);
    const end = until === null ? null : Date.parse(until);
    const now = Date.now();
    // A date-time the schema takes but Date cannot read (a leap second, 23:59:60) is refused as any bad date.
    if (end !== null && !Number.isFinite(end)) throw new RelayError('BAD_REQUEST', 'until is not a time this relay can read');
    if (end !== null && end <= now) throw new RelayError('BAD_REQUEST', 'until must be in the future');
    if (!(await this.store.conversations.getMember(conversationId, userId)))
      throw new RelayError('USER_NOT_FOUND', `User ${userId} is not a member of this conversation`);
    const restriction = await this.#restrict({
      conversationId,
      userId,
      kind: 'mute',
      until: end,
      createdBy: access.member?.userId ?? null,
      createdAt: now,
    });
    await this.#announce(conversationId, userId, restriction);
    return restriction;
  }

  /** Bans the user (a member or not yet one): a member is removed, as a removal is announced, and nobody can add them back. */
  async ban(principal: Principal, conversationId: string, userId: string): Promise<MemberRestriction> {
    const access = await this.#manage(principal, conversationId, userId);
    if (!(await this.store.users.existingIds([userId])).has(userId)) throw new RelayError('USER_NOT_FOUND', `User ${userId} not found`);
    const restriction = await this.#restrict({
      conversationId,
      userId,
      kind: 'ban',
      until: null,
      createdBy: access.member?.userId ?? null,
      createdAt: Date.now(),
    });
    // Recorded before the removal, so an add racing it is already refused; counted once, by #manage.
    try {
      await this.conversations.evict(conversationId, userId);
    } catch (error) {
      // Removed meanwhile by someone else: the ban stands either way.
      if (!(error instanceof RelayError && error.code === 'USER_NOT_FOUND')) throw error;
    }
    return restriction;
  }

  async lift(principal: Principal, conversationId: string, userId: string, kind: 'mute' | 'ban'): Promise<void> {
    await this.#manage(principal, conversationId, userId);
    if (!(await this.store.safety.lift(conversationId, userId, kind)))
      throw new RelayError('USER_NOT_FOUND', `User ${userId} is not ${kind === 'mute' ? 'muted' : 'banned'} in this conversation`);
    if (kind === 'mute') await this.#announce(conversationId, userId, null);
  }

  /** The conversation's bans and current mutes, for its members. */
  async restrictions(principal: Principal, conversationId: string): Promise<MemberRestriction[]> {
    await this.conversations.access(principal, conversationId);
    return (await this.store.safety.restrictions(conversationId, Date.now())).map(restrictionView);
  }

  async report(
    principal: Principal,
    conversationId: string,
    messageId: string,
    body: ReportMessageBody,
  ): Promise<{ report: Report; created: boolean }> {
    if (principal.kind !== 'user') throw new RelayError('FORBIDDEN', 'Reports are made by members, with a user token');
    await this.#limit('report', principal.userId);
    await this.conversations.access(principal, conversationId);
    const message = await this.store.messages.get(conversationId, messageId);
    if (!message) throw new RelayError('MESSAGE_NOT_FOUND', `Message ${messageId} not found`);
    if (message.senderId === principal.userId) throw new RelayError('BAD_REQUEST', 'A member cannot report their own message');
    const { report: stored, created } = await this.store.safety.report({
      id: randomUUID(),
      conversationId,
      messageId,
      reporterId: principal.userId,
      reason: body.reason,
      text: body.text ?? null,
      status: 'open',
      createdAt: Date.now(),
      closedAt: null,
      note: null,
    });
    const report = await this.#view(stored);
    if (created) for (const observer of this.#observers) observer.reportCreated?.(report);
    return { report, created };
  }

  async reports(query: {
    status?: ReportStatus | undefined;
    limit?: number | undefined;
    cursor?: string | undefined;
  }): Promise<ReportPage> {
    const limit = query.limit ?? 50;
    const stored = await this.store.safety.listReports({ status: query.status, limit, after: query.cursor ?? null });
    const reports = await Promise.all(stored.map((r) => this.#view(r)));
    return { reports, nextCursor: stored.length === limit ? (stored.at(-1)?.id ?? null) : null };
  }

  async closeReport(id: string, status: 'resolved' | 'dismissed', note: string | undefined): Promise<Report> {
    const stored = await this.store.safety.closeReport(id, status, note ?? null, Date.now());
    if (!stored) throw new RelayError('REPORT_NOT_FOUND', `Report ${id} not found`);
    return this.#view(stored);
  }

  async #view(report: StoredReport): Promise<Report> {
    const message = await this.store.messages.get(report.conversationId, report.messageId);
    return {
      id: report.id,
      conversationId: report.conversationId,
      messageId: report.messageId,
      reporterId: report.reporterId,
      reason: report.reason,
      text: report.text,
      status: report.status,
      createdAt: iso(report.createdAt),
      closedAt: report.closedAt === null ? null : iso(report.closedAt),
      note: report.note,
      message,
    };
  }

  /** A mute or its end, live to the members' sockets (the muted one's too, so their composer can say why). */
  async #announce(conversationId: string, userId: string, restriction: MemberRestriction | null): Promise<void> {
    await this.bus.publish({
      kind: 'conversation',
      conversationId,
      event: { type: 'member.restricted', conversationId, userId, restriction },
    });
  }

  async #restrict(restriction: StoredRestriction): Promise<MemberRestriction> {
    await this.store.safety.restrict(restriction);
    return restrictionView(restriction);
  }

  /** The caller manages the group (its owner, an admin, or the server API key), and the target is neither the caller nor, for a user, the owner. */
  async #manage(principal: Principal, conversationId: string, userId: string): Promise<Access> {
    const access = await this.conversations.access(principal, conversationId);
    if (access.conversation.type === 'private') throw new RelayError('FORBIDDEN', 'A private conversation has no admins');
    const { member } = access;
    if (member && member.role !== 'owner' && member.role !== 'admin')
      throw new RelayError('FORBIDDEN', 'Only admins and the owner moderate this conversation');
    if (member?.userId === userId) throw new RelayError('BAD_REQUEST', 'Admins cannot mute or ban themselves');
    if (member) {
      const target = await this.store.conversations.getMember(conversationId, userId);
      if (target?.role === 'owner') throw new RelayError('FORBIDDEN', 'The owner cannot be muted or banned');
    }
    await enforceUserLimit(principal, (id) => this.limits.write('member', id));
    return access;
  }

  async #limit(kind: 'block' | 'report', userId: string): Promise<void> {
    const refusal = await this.limits.write(kind, userId);
    if (refusal) throw refusal;
  }
}

function restrictionView(r: StoredRestriction): MemberRestriction {
  return {
    conversationId: r.conversationId,
    userId: r.userId,
    kind: r.kind,
    until: r.until === null ? null : iso(r.until),
    createdBy: r.createdBy,
    createdAt: iso(r.createdAt),
  };
}

/** The error for a muted sender (with when the mute ends: null, until lifted), or for a send between two people where one blocked the other. */
export function sendRefusal(code: 'MEMBER_MUTED' | 'BLOCKED', mutedUntil: number | null = null): RelayError {
  if (code === 'BLOCKED') return new RelayError('BLOCKED', 'You cannot send messages in this conversation');
  const until = mutedUntil === null ? null : iso(mutedUntil);
  return new RelayError(
    'MEMBER_MUTED',
    until ? `You are muted in this conversation until ${until}` : 'You are muted in this conversation',
    {
      details: { until },
    },
  );
}
