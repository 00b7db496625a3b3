export { ChatProvider, useChatClient } from './context.js';
export {
  useConnectionState,
  useConversation,
  useConversations,
  useMessageStatus,
  useMessages,
  usePresence,
  useSendMessage,
  useTyping,
  useUnreadCount,
} from './hooks.js';
