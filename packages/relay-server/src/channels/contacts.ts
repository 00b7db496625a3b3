import { CHANNEL_CAPABILITIES, type ChannelPolicy, type Contact, channelWindow } from '@chat4all/protocol';
import { RelayError } from '../errors.js';
import type { Store } from '../store/types.js';
import type { Channels } from './channels.js';

/** External contacts for the server API, and what members can send each contact of a conversation. */
export class ContactService {
  constructor(
    private readonly store: Store,
    private readonly channels: Channels,
  ) {}

  async list(page: { limit: number; after: string | null }): Promise<{ contacts: Contact[]; nextCursor: string | null }> {
    const contacts = await this.store.contacts.list(page);
    return { contacts, nextCursor: contacts.length === page.limit ? (contacts.at(-1)?.id ?? null) : null };
  }

  async get(contactId: string): Promise<Contact> {
    const contact = await this.store.contacts.get(contactId);
    if (!contact) throw new RelayError('CONTACT_NOT_FOUND', `Contact ${contactId} not found`);
    return contact;
  }

  /** The channel the contact is reached on first, and the conversation its messages land in (it must be a member). */
  async update(contactId: string, patch: { preferredChannelId?: string | null; conversationId?: string }): Promise<Contact> {
    await this.get(contactId);
    const { preferredChannelId, conversationId } = patch;
    if (preferredChannelId !== undefined && !(await this.store.contacts.setPreferredChannel(contactId, preferredChannelId)))
      throw new RelayError('BAD_REQUEST', `The contact has no identity on ${preferredChannelId}`);
    if (conversationId !== undefined && !(await this.store.contacts.setConversation(contactId, conversationId)))
      throw new RelayError('BAD_REQUEST', `The contact is not a member of ${conversationId}: add it first`);
    return this.get(contactId);
  }

  /** For each contact of the conversation: its channel, capabilities and window now. */
  async policies(conversationId: string): Promise<ChannelPolicy[]> {
    const members = await this.store.conversations.listMembers(conversationId);
    const now = Date.now();
    const policies: ChannelPolicy[] = [];
    for (const member of members) {
      const contact = await this.store.contacts.get(member.userId);
      if (!contact) continue;
      const route = this.channels.routeFor(contact);
      if (!route) {
        // No identity on a configured channel: nothing reaches the contact.
        policies.push({
          contactId: contact.id,
          channelId: null,
          channel: null,
          capabilities: null,
          lastInboundAt: null,
          state: 'closed',
          windowOpenUntil: null,
          humanAgentUntil: null,
          templateRequired: false,
        });
        continue;
      }
      const { lastInboundAt } = route.identity;
      policies.push({
        contactId: contact.id,
        channelId: route.channel.id,
        channel: route.channel.type,
        capabilities: CHANNEL_CAPABILITIES[route.channel.type],
        lastInboundAt,
        ...channelWindow(route.channel.type, lastInboundAt ? Date.parse(lastInboundAt) : null, now),
      });
    }
    return policies;
  }
}
