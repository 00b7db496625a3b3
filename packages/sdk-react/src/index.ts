export { ChatProvider, useChatClient } from './context.js';
export {
  useChannelDeliveries,
  useChannelPolicies,
  useConnectionState,
  useConversation,
  useConversations,
  useFileUrl,
  useMessageStatus,
  useMessages,
  usePins,
  usePresence,
  useReactions,
  useSendFile,
  useSendMessage,
  useTyping,
  useUnreadCount,
  useUpload,
} from './hooks.js';
