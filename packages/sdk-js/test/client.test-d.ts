import type { ConversationSettings, Message, Presence, SearchPage, UnreadTotal } from '@chat4all/protocol';
import { describe, expectTypeOf, it } from 'vitest';
import WebSocket from 'ws';
import {
  type Chat4AllClient,
  type Chat4AllError,
  type ChatMessage,
  type ConnectionState,
  createClient,
  type MessageStatus,
  type OutboxEntry,
  type ReadableStore,
  type Thread,
  type ThreadState,
  type ThreadSummary,
} from '../src/index.js';
import { FileOutboxStorage } from '../src/node.js';

declare const client: Chat4AllClient;

describe('public types of @chat4all/sdk-js', () => {
  it('takes the ws package as its WebSocket in Node, as the README shows', () => {
    expectTypeOf(
      createClient({ url: 'http://relay', token: 't', WebSocket, storage: new FileOutboxStorage('./outbox.json') }),
    ).toEqualTypeOf<Chat4AllClient>();
  });

  it('createClient takes a url and a token or token provider, and returns the client', () => {
    expectTypeOf(createClient).parameter(0).toHaveProperty('url').toEqualTypeOf<string>();
    expectTypeOf(createClient({ url: 'http://x', tokenProvider: async () => 't' })).toEqualTypeOf<Chat4AllClient>();
    expectTypeOf(createClient({ url: 'http://x', token: 't', storage: new FileOutboxStorage('o.json') })).toEqualTypeOf<Chat4AllClient>();
  });

  it('exposes state as stores with typed snapshots', () => {
    expectTypeOf(client.connection).toEqualTypeOf<ReadableStore<ConnectionState>>();
    expectTypeOf(client.connection.getSnapshot()).toEqualTypeOf<ConnectionState>();
    expectTypeOf(client.messages('c').getSnapshot()).toEqualTypeOf<readonly ChatMessage[]>();
    expectTypeOf(client.outbox.getSnapshot()).toEqualTypeOf<readonly OutboxEntry[]>();
    expectTypeOf(client.unreadTotal.getSnapshot()).toEqualTypeOf<number>();
    expectTypeOf(client.typing('c').getSnapshot()).toEqualTypeOf<readonly string[]>();
    expectTypeOf(client.presence('u').getSnapshot()).toEqualTypeOf<Presence>();
    expectTypeOf(client.connection.subscribe).returns.toEqualTypeOf<() => void>();
    expectTypeOf(client.fileLink('up').getSnapshot()).toEqualTypeOf<string | null>();
    expectTypeOf(client.fileUrl('up')).toEqualTypeOf<Promise<string>>();
  });

  it("types the user's inbox: settings changes resolve with the settings, totals are a store", () => {
    expectTypeOf(client.inbox.update('c', { pinned: true, mutedUntil: null })).toEqualTypeOf<Promise<ConversationSettings>>();
    expectTypeOf(client.inbox.totals.getSnapshot()).toEqualTypeOf<UnreadTotal>();
    expectTypeOf(client.conversations.getSnapshot()[0]?.settings).toEqualTypeOf<ConversationSettings | undefined>();
  });

  it('types search: words and filters in, a page of results with highlights out', () => {
    expectTypeOf(client.search('deploy*', { conversationId: 'c', hasFile: true, after: new Date(), cursor: 'x', limit: 10 })).toEqualTypeOf<
      Promise<SearchPage>
    >();
    expectTypeOf<SearchPage['results'][number]['highlights'][number]>().toEqualTypeOf<{ start: number; end: number }>();
    // @ts-expect-error the query text is the first argument, not a filter
    void client.search('x', { q: 'y' });
  });

  it('types messages, statuses and events', () => {
    expectTypeOf<ChatMessage['status']>().toEqualTypeOf<MessageStatus>();
    expectTypeOf<MessageStatus>().toEqualTypeOf<'pending' | 'sent' | 'delivered' | 'read' | 'failed'>();
    expectTypeOf<ChatMessage['seq']>().toEqualTypeOf<number | null>();
    expectTypeOf(client.send).returns.resolves.toEqualTypeOf<ChatMessage>();
    expectTypeOf(client.on<'message'>)
      .parameter(1)
      .toEqualTypeOf<(message: Message) => void>();
  });

  it('types threads', () => {
    const thread = client.thread('c1', 'root');
    expectTypeOf(thread).toEqualTypeOf<Thread>();
    expectTypeOf(thread.messages.getSnapshot()).toEqualTypeOf<readonly ChatMessage[]>();
    expectTypeOf(thread.state.getSnapshot()).toEqualTypeOf<ThreadState>();
    expectTypeOf(thread.send).returns.resolves.toEqualTypeOf<ChatMessage>();
    expectTypeOf<ChatMessage['thread']>().toEqualTypeOf<ThreadSummary | null>();
    void thread.send('x', { showInConversation: true });
    // @ts-expect-error a thread's own replies are in its thread
    void thread.send('x', { threadId: 'other' });
  });

  it('errors carry a code and whether retrying helps', () => {
    expectTypeOf<Chat4AllError['retryable']>().toEqualTypeOf<boolean>();
    expectTypeOf<Chat4AllError['code']>().extract<'RATE_LIMITED'>().toEqualTypeOf<'RATE_LIMITED'>();
    expectTypeOf<Chat4AllError['code']>().extract<'CONNECTION_LOST'>().toEqualTypeOf<'CONNECTION_LOST'>();
  });
});
