export type {
  Attachment,
  Block,
  ChannelCapabilities,
  ChannelDelivery,
  ChannelHealth,
  ChannelPolicy,
  Contact,
  ContactCard,
  Conversation,
  ConversationDetail,
  ConversationSettings,
  ConversationStatus,
  ConversationSummary,
  DeliveryStatus,
  GroupMentions,
  LinkPreview,
  Member,
  MemberRestriction,
  Message,
  MessageContent,
  Presence,
  PresenceEvent,
  ReactionSummary,
  Report,
  ReportReason,
  SearchHighlight,
  SearchPage,
  SearchResult,
  ServerFrame,
  ThreadSummary,
  TypingEvent,
  UnreadTotal,
  UpdateConversationBody,
  UpdateConversationSettingsBody,
  UploadInfo,
  User,
  UserPage,
} from '@chat4all/protocol';
export type { ConversationQuery, ConversationQueryState } from './cache/query.js';
export { Chat4AllClient, createClient } from './client.js';
export {
  type BackoffOptions,
  backoffDelay,
  CONNECTION_TRANSITIONS,
  type ConnectionEvent,
  type ConnectionState,
  nextConnectionState,
} from './connection/machine.js';
export type { WebSocketConstructor, WebSocketLike } from './connection/socket.js';
export type { ConversationFilters, GroupOptions } from './conversation-api.js';
export { Chat4AllError, type ClientErrorCode } from './errors.js';
export type { ClientEvents } from './events.js';
export { thumbnailUrl } from './file-links.js';
export { type Inbox, MUTED_FOREVER } from './inbox.js';
export { MENTION_ALL, mentionQuery, mentionSegments, mentionsUser, type TextSegment } from './mentions.js';
export type { MessageStatus } from './messages/status.js';
export type { ChatMessage, ChatReaction } from './messages/views.js';
export type { Moderation } from './moderation.js';
export type { ClientOptions, Logger } from './options.js';
export { IndexedDBOutboxStorage } from './outbox/indexeddb.js';
export type { MentionOptions, SendOptions } from './outbox/message.js';
export { MemoryOutboxStorage, type OutboxEntry, type OutboxFile, type OutboxStorage } from './outbox/storage.js';
export type { Pin, PinOptions } from './pins.js';
export type { BrowserPushOptions, Device, NativePushOptions, Push, PushInfo } from './push.js';
export type { Search, SearchFilters } from './search.js';
export type { ReadableStore } from './store.js';
export type { Thread, ThreadState } from './threads.js';
export { FileUpload, type UploadOptions, type UploadProgress, type UploadSource, type UploadStatus } from './upload.js';
export type { Users } from './users.js';
export { uuidv7 } from './uuid.js';
