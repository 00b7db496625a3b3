export { ChatProvider, useChatClient } from './context.js';
export {
  useChannelDeliveries,
  useChannelPolicies,
  useConnectionState,
  useConversation,
  useConversations,
  useFileUrl,
  useMembers,
  useMessageStatus,
  useMessages,
  usePresence,
  useReactions,
  useSendFile,
  useSendMessage,
  useTyping,
  useUnreadCount,
  useUpload,
} from './hooks.js';
