import type { Conversation, Member } from '@chat4all/protocol';

/**
 * Who may pin and unpin, as in Slack channels and Stream/Sendbird group channels with
 * default roles: in a group its owner and admins; in a private conversation both members.
 * `member` is null for the server API key, which may always.
 */
export function mayPin(conversation: Pick<Conversation, 'type'>, member: Pick<Member, 'role'> | null): boolean {
  return member === null || conversation.type === 'private' || member.role === 'owner' || member.role === 'admin';
}
