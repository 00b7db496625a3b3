import type { Block, MemberRestriction, Report, ReportReason } from '@chat4all/protocol';
import { type Rest, restPath } from './rest.js';

/**
 * Blocks (the user's own), mutes and bans (a group's owner and admins), and reports of messages. A blocked user cannot open or
 * write in a private conversation with the user, and what they write in groups stops reaching the user: live, on resume and in
 * history (the relay leaves it out; nothing to filter here).
 */
export interface Moderation {
  /** Blocks a user or a contact (by its contact id); blocking again changes nothing. */
  block(userId: string): Promise<Block>;
  unblock(userId: string): Promise<void>;
  /** The user's blocks, oldest first. */
  blocks(): Promise<Block[]>;
  /** Stops a member sending in a group, until `until` (absent: until unmuted). */
  mute(conversationId: string, userId: string, until?: string | Date): Promise<MemberRestriction>;
  unmute(conversationId: string, userId: string): Promise<void>;
  /** Removes the user from a group (if a member), and keeps them from being added back until unbanned. */
  ban(conversationId: string, userId: string): Promise<MemberRestriction>;
  unban(conversationId: string, userId: string): Promise<void>;
  /** A group's bans and current mutes. */
  restrictions(conversationId: string): Promise<MemberRestriction[]>;
  /** Reports a message to the app's moderators; reporting it again answers the first report. */
  report(conversationId: string, messageId: string, reason: ReportReason, text?: string): Promise<Report>;
}

export function createModeration(rest: Rest): Moderation {
  const member = (kind: 'mutes' | 'bans', conversationId: string, userId: string) =>
    restPath`/v1/conversations/${conversationId}/${kind}/${userId}`;
  return {
    block: (userId) => rest.request('PUT', restPath`/v1/me/blocks/${userId}`),
    unblock: async (userId) => {
      await rest.request('DELETE', restPath`/v1/me/blocks/${userId}`);
    },
    blocks: async () => (await rest.request<{ blocks: Block[] }>('GET', '/v1/me/blocks')).blocks,
    mute: (conversationId, userId, until) =>
      rest.request('PUT', member('mutes', conversationId, userId), { until: until === undefined ? null : new Date(until).toISOString() }),
    unmute: async (conversationId, userId) => {
      await rest.request('DELETE', member('mutes', conversationId, userId));
    },
    ban: (conversationId, userId) => rest.request('PUT', member('bans', conversationId, userId)),
    unban: async (conversationId, userId) => {
      await rest.request('DELETE', member('bans', conversationId, userId));
    },
    restrictions: async (conversationId) =>
      (await rest.request<{ restrictions: MemberRestriction[] }>('GET', restPath`/v1/conversations/${conversationId}/restrictions`))
        .restrictions,
    report: (conversationId, messageId, reason, text) =>
      rest.request('POST', restPath`/v1/conversations/${conversationId}/messages/${messageId}/reports`, { reason, text }),
  };
}
