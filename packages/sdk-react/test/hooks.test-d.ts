import type {
  ChatMessage,
  ConnectionState,
  ConversationSummary,
  Member,
  MentionOptions,
  MessageStatus,
  Pin,
  Presence,
  SendOptions,
} from '@chat4all/sdk-js';
import { describe, expectTypeOf, it } from 'vitest';
import {
  ChatProvider,
  type ThreadView,
  useConnectionState,
  useConversation,
  useConversations,
  useFileUrl,
  useMembers,
  useMessageStatus,
  useMessages,
  usePins,
  usePresence,
  useSendMessage,
  useThread,
  useTyping,
  useUnreadCount,
} from '../src/index.js';

describe('public types of @chat4all/sdk-react', () => {
  it('hooks return the sdk-js snapshots', () => {
    expectTypeOf(useConnectionState).returns.toEqualTypeOf<ConnectionState>();
    expectTypeOf(useConversations).returns.toEqualTypeOf<readonly ConversationSummary[]>();
    expectTypeOf(useConversation).returns.toEqualTypeOf<ConversationSummary | undefined>();
    expectTypeOf(useMessages).returns.toEqualTypeOf<{ messages: readonly ChatMessage[]; loadOlder: (limit?: number) => Promise<number> }>();
    expectTypeOf(useMessageStatus).returns.toEqualTypeOf<MessageStatus | undefined>();
    expectTypeOf(useTyping).returns.toEqualTypeOf<readonly string[]>();
    expectTypeOf(usePresence).returns.toEqualTypeOf<Presence>();
    expectTypeOf(useUnreadCount).parameters.toEqualTypeOf<[conversationId?: string]>();
    expectTypeOf(useUnreadCount).returns.toEqualTypeOf<number>();
    expectTypeOf(useFileUrl).parameters.toEqualTypeOf<[uploadId: string]>();
    expectTypeOf(useFileUrl).returns.toEqualTypeOf<string | null>();
    expectTypeOf(usePins).returns.toHaveProperty('pins').toEqualTypeOf<readonly Pin[]>();
    expectTypeOf(usePins).returns.toHaveProperty('unpin').toEqualTypeOf<(messageId: string) => Promise<void>>();
  });

  it('useMembers takes a conversation id, or null for none, and returns its members', () => {
    expectTypeOf(useMembers).parameters.toEqualTypeOf<[conversationId: string | null]>();
    expectTypeOf(useMembers).returns.toEqualTypeOf<readonly Member[]>();
  });

  it('useSendMessage returns a sender that resolves with the pending message', () => {
    expectTypeOf(useSendMessage).returns.parameters.toEqualTypeOf<
      [text: string, options?: Pick<SendOptions, 'metadata' | 'replyTo' | 'threadId' | 'showInConversation'> & MentionOptions]
    >();
    expectTypeOf(useSendMessage).returns.returns.resolves.toEqualTypeOf<ChatMessage>();
  });

  it('useThread gives a thread’s messages, the user’s place in it, and its actions', () => {
    expectTypeOf(useThread).parameters.toEqualTypeOf<[conversationId: string, rootId: string]>();
    expectTypeOf(useThread).returns.toEqualTypeOf<ThreadView>();
    expectTypeOf<ThreadView['messages']>().toEqualTypeOf<readonly ChatMessage[]>();
    expectTypeOf<ThreadView['unreadCount']>().toEqualTypeOf<number>();
    expectTypeOf<ThreadView['send']>().returns.resolves.toEqualTypeOf<ChatMessage>();
  });

  it('ChatProvider takes a client', () => {
    expectTypeOf(ChatProvider).parameter(0).toHaveProperty('client');
  });
});
