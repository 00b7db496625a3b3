import type { Chat4AllClient } from '@chat4all/sdk-js';
import { createContext, createElement, type ReactNode, useContext } from 'react';

const ChatContext = createContext<Chat4AllClient | null>(null);

/** Makes a client available to the hooks below it. Create the client once, outside render. */
export function ChatProvider({ client, children }: { client: Chat4AllClient; children?: ReactNode }) {
  return createElement(ChatContext.Provider, { value: client }, children);
}

/** The client of the nearest `ChatProvider`. */
export function useChatClient(): Chat4AllClient {
  const client = useContext(ChatContext);
  if (!client) throw new Error('useChatClient: wrap the tree in <ChatProvider client={client}>');
  return client;
}
