import type {
  ChannelDelivery,
  ChannelPolicy,
  Conversation,
  ConversationDetail,
  ConversationPage,
  ListConversationsQuery,
  Member,
  Message,
  Metadata,
  UpdateConversationBody,
} from '@chat4all/protocol';
import { deliveriesOf } from './cache/conversation.js';
import type { Conversations } from './cache/conversations.js';
import { type Rest, restPath } from './rest.js';

/** Who a new group has and what it is called. */
export type GroupOptions = { title?: string; memberIds?: string[]; metadata?: Metadata };

const isContactId = (id: string | null): boolean => id?.startsWith('contact:') === true;

/** What narrows a page of the conversation list: the archive, and an agent inbox's status, assignee and team. */
export type ConversationFilters = Omit<ListConversationsQuery, 'cursor' | 'limit'>;

/**
 * The relay's conversation routes: the list's pages, new conversations, members, channel policies, and the history and
 * channel deliveries that fill the cache.
 */
export class ConversationApi {
  readonly #rest: Rest;
  readonly #conversations: Conversations;

  constructor(rest: Rest, conversations: Conversations) {
    this.#rest = rest;
    this.#conversations = conversations;
  }

  list(query: ListConversationsQuery = {}): Promise<ConversationPage> {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) search.set(key, String(value));
    return this.#rest.request('GET', `/v1/conversations${search.size > 0 ? `?${search}` : ''}`);
  }

  update(conversationId: string, changes: UpdateConversationBody): Promise<Conversation> {
    return this.#rest.request('PATCH', restPath`/v1/conversations/${conversationId}`, changes);
  }

  create(body: { type: 'private'; userId: string } | ({ type: 'group' } & GroupOptions)): Promise<ConversationDetail> {
    return this.#rest.request('POST', '/v1/conversations', body);
  }

  async members(conversationId: string): Promise<Member[]> {
    return (await this.#rest.request<{ members: Member[] }>('GET', restPath`/v1/conversations/${conversationId}/members`)).members;
  }

  async addMembers(conversationId: string, userIds: string[], role: 'member' | 'admin'): Promise<Member[]> {
    const path = restPath`/v1/conversations/${conversationId}/members`;
    return (await this.#rest.request<{ members: Member[] }>('POST', path, { userIds, role })).members;
  }

  async removeMember(conversationId: string, userId: string): Promise<void> {
    await this.#rest.request('DELETE', restPath`/v1/conversations/${conversationId}/members/${userId}`);
  }

  async channelPolicies(conversationId: string): Promise<readonly ChannelPolicy[]> {
    return (await this.#rest.request<{ channels: ChannelPolicy[] }>('GET', restPath`/v1/conversations/${conversationId}/channels`))
      .channels;
  }

  /** A message's channel deliveries, into the cache; the message's as the cache now holds them. */
  async loadDeliveries(conversationId: string, messageId: string): Promise<readonly ChannelDelivery[]> {
    const path = restPath`/v1/conversations/${conversationId}/messages/${messageId}/deliveries`;
    const { deliveries } = await this.#rest.request<{ deliveries: ChannelDelivery[] }>('GET', path);
    const cache = this.#conversations.get(conversationId);
    cache.dispatch({ type: 'deliveries', deliveries });
    return deliveriesOf(cache.state.getSnapshot(), messageId);
  }

  /** `limit` messages older than the oldest held, into the cache; how many came. */
  async loadOlder(conversationId: string, limit: number): Promise<number> {
    const cache = this.#conversations.get(conversationId);
    const oldest = cache.state.getSnapshot().messages[0]?.seq;
    const query = oldest === undefined ? `limit=${limit}` : `before=${oldest}&limit=${limit}`;
    const path = `${restPath`/v1/conversations/${conversationId}/messages`}?${query}`;
    const { messages } = await this.#rest.request<{ messages: Message[] }>('GET', path);
    cache.dispatch({ type: 'messages', messages });
    // Where contacts are, the page's channel statuses come too (later changes arrive live).
    const state = cache.state.getSnapshot();
    const contacts =
      typeof state.conversation?.metadata.contactId === 'string' ||
      [...state.members.keys()].some(isContactId) ||
      messages.some((m) => isContactId(m.senderId));
    if (contacts && messages.length > 0) void this.#pageDeliveries(conversationId, messages);
    return messages.length;
  }

  /** The channel deliveries of a history page, 100 messages a call; a failed call leaves those statuses to arrive with their next change. */
  async #pageDeliveries(conversationId: string, messages: readonly Message[]): Promise<void> {
    const cache = this.#conversations.get(conversationId);
    for (let start = 0; start < messages.length; start += 100) {
      const messageIds = messages.slice(start, start + 100).map((m) => m.id);
      const path = `${restPath`/v1/conversations/${conversationId}/deliveries`}?messageIds=${messageIds.join(',')}`;
      try {
        const { deliveries } = await this.#rest.request<{ deliveries: ChannelDelivery[] }>('GET', path);
        if (deliveries.length > 0) cache.dispatch({ type: 'deliveries', deliveries });
      } catch {
        return;
      }
    }
  }
}
