export { ChannelStatus, type ChannelStatusProps } from './channel-status.js';
export { Composer, type ComposerProps } from './composer.js';
export { ConnectionBanner, type ConnectionBannerProps } from './connection-banner.js';
export { ConversationList, type ConversationListProps } from './conversation-list.js';
export { MessageFile, MessageList, type MessageListProps } from './message-list.js';
export { MessageStatus, type MessageStatusProps } from './message-status.js';
export { PresenceDot, type PresenceDotProps } from './presence-dot.js';
export { Reactions, type ReactionsProps } from './reactions.js';
export { TypingIndicator, type TypingIndicatorProps } from './typing-indicator.js';
