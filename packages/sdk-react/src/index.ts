export { ChatProvider, useChatClient } from './context.js';
export {
  useConnectionState,
  useConversation,
  useConversations,
  useMessageStatus,
  useMessages,
  usePresence,
  useSendFile,
  useSendMessage,
  useTyping,
  useUnreadCount,
  useUpload,
} from './hooks.js';
