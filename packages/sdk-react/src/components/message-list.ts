import { type ChatMessage, thumbnailUrl } from '@chat4all/sdk-js';
import { useVirtualizer } from '@tanstack/react-virtual';
import { type CSSProperties, Fragment, createElement as h, type ReactNode, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useConversation, useFileUrl, useMessageLog, useReactions, useUpload, useUser } from '../hooks.js';
import { Avatar, hueOf } from './avatar.js';
import { ChannelStatus } from './channel-status.js';
import { LinkPreviews } from './link-previews.js';
import { MentionText } from './mention-text.js';
import { MessageContent, textInContent } from './message-content.js';
import { MessageStatus } from './message-status.js';
import { Reactions } from './reactions.js';
import { dayOf, sameDay, timeOf } from './time.js';

export interface MessageListProps {
  conversationId: string;
  /** Lists this root's thread (the root, then its replies) instead of the conversation. */
  thread?: string;
  /**
   * Called with a root's id when the user opens its thread: a root shows its reply count and participants as a button, and
   * every other message of the conversation a "Reply in thread" button. No thread buttons without it.
   */
  onOpenThread?: (rootId: string) => void;
  /** The signed-in user, whose messages get status ticks. */
  userId?: string | null;
  /** Reactions offered on each message the pointer or focus is on, one click to add or take back. @default none */
  quickReactions?: readonly string[];
  /** Called with a message when the user picks "Reply" on it (quote it in the composer: `Composer`'s `replyTo`). No Reply button without it. */
  onReply?: (message: ChatMessage) => void;
  /** A member's display name, for the sender and the text's mentions. @default the user id */
  nameOf?: (userId: string) => string | null | undefined;
  /** Renders one message (a day separator still comes before the first of each day). @default avatar and name at the start of a sender's run (not in private conversations), file, a channel message's content (`MessageContent`), text with mentions, link previews, time, reactions and, for the user's own, the ticks */
  renderMessage?: (message: ChatMessage) => ReactNode;
  /** Estimated row height in px, refined by measuring. @default 56 */
  estimateSize?: number;
  className?: string;
}

/** Hidden from sight, not from screen readers, and taking no room in the log. */
const ANNOUNCER: CSSProperties = {
  position: 'absolute',
  width: 1,
  height: 1,
  margin: 0,
  overflow: 'hidden',
  clipPath: 'inset(50%)',
  whiteSpace: 'nowrap',
};

/** Within this many px of the top, older messages load; of the bottom, new ones keep the list pinned. */
const EDGE_PX = 80;

/**
 * A virtualized message log: only the rows in view (plus a few) are in the DOM, whatever
 * the length. Scrolling to the top loads older messages without moving what the user is
 * reading; new messages keep the list at the bottom when it was there.
 */
export function MessageList({
  conversationId,
  thread,
  onOpenThread,
  userId = null,
  quickReactions = [],
  onReply,
  nameOf,
  renderMessage,
  estimateSize = 56,
  className = 'c4a-messages',
}: MessageListProps) {
  const { messages, loadOlder, hasOlder } = useMessageLog(conversationId, thread);
  const scroller = useRef<HTMLDivElement>(null);
  const loading = useRef(false);
  // End-anchored (chat) mode: a prepend keeps the visible row where it was, an append
  // follows only when the reader was already at the end.
  const virtualizer = useVirtualizer({
    count: messages.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => estimateSize,
    getItemKey: (index) => messages[index]?.id ?? index,
    overscan: 6,
    anchorTo: 'end',
    followOnAppend: true,
    scrollEndThreshold: EDGE_PX,
  });

  // Open on the newest message once there is one.
  const hasMessages = messages.length > 0;
  useLayoutEffect(() => {
    if (hasMessages) virtualizer.scrollToEnd();
  }, [hasMessages, virtualizer]);

  const onScroll = () => {
    const element = scroller.current;
    if (!element || loading.current || element.scrollTop >= EDGE_PX) return;
    if (messages.length === 0 || !hasOlder) return;
    loading.current = true;
    loadOlder().finally(() => {
      loading.current = false;
    });
  };

  const announcement = useArrivals(messages, userId, nameOf, `${conversationId} ${thread ?? ''}`);
  const conversation = useConversation(conversationId);
  // Names and avatars tell senders apart where there can be more than two.
  const showSenders = conversation?.type !== 'private';
  const quoted = (id: string) => messages.find((m) => m.id === id);
  const render = (message: ChatMessage, previous: ChatMessage | undefined) => {
    const newDay = !previous || !sameDay(previous.createdAt, message.createdAt);
    const first = newDay || previous?.senderId !== message.senderId;
    return h(
      Fragment,
      null,
      newDay
        ? h(
            'div',
            { role: 'separator', 'aria-label': dayOf(message.createdAt), className: 'c4a-day' },
            h('span', null, dayOf(message.createdAt)),
          )
        : null,
      renderMessage
        ? renderMessage(message)
        : h(DefaultMessage, {
            conversationId,
            message,
            userId,
            nameOf,
            first,
            showSenders,
            thread,
            onOpenThread,
            quickReactions,
            onReply,
            quoted: message.replyTo ? quoted(message.replyTo) : undefined,
          }),
    );
  };

  return h(
    'div',
    {
      ref: scroller,
      role: 'log',
      // Not read out row by row (each row's buttons with it): the region below says what arrives.
      'aria-live': 'off',
      'aria-label': 'Messages',
      className,
      onScroll,
      style: { overflowY: 'auto', overflowAnchor: 'none', height: '100%' },
    },
    // Out of the flow (styled here, theme or not), so the rows' positions do not count it.
    h('p', { className: 'c4a-visually-hidden', 'aria-live': 'polite', 'aria-atomic': true, style: ANNOUNCER }, announcement),
    h(
      'div',
      { style: { height: virtualizer.getTotalSize(), position: 'relative', width: '100%' } },
      virtualizer.getVirtualItems().map((row) => {
        const message = messages[row.index];
        if (!message) return null;
        return h(
          'div',
          {
            key: row.key,
            'data-index': row.index,
            'data-seq': message.seq ?? undefined,
            ref: virtualizer.measureElement,
            style: { position: 'absolute', top: 0, left: 0, width: '100%', transform: `translateY(${row.start}px)` },
          },
          render(message, messages[row.index - 1]),
        );
      }),
    ),
  );
}

/**
 * What a screen reader is told as messages arrive: "Ana: the text" for the newest message
 * someone else sent since the list opened on this conversation or thread (in a burst, the last
 * of it), never the history held then or loaded above it.
 */
function useArrivals(
  messages: readonly ChatMessage[],
  userId: string | null,
  nameOf: ((userId: string) => string | null | undefined) | undefined,
  scope: string,
): string {
  const newest = messages[messages.length - 1];
  // The newest seq held when the list opened on this conversation or thread: what comes after it is news.
  const seen = useRef<{ scope: string; seq: number } | null>(null);
  const [arrived, setArrived] = useState<ChatMessage | null>(null);
  useEffect(() => {
    const seq = newest?.seq ?? null;
    if (seen.current?.scope !== scope) {
      seen.current = { scope, seq: seq ?? 0 };
      setArrived(null);
      return;
    }
    if (seq === null || seq <= seen.current.seq) return;
    seen.current = { scope, seq };
    if (newest && newest.senderId !== userId && newest.senderId !== null) setArrived(newest);
  }, [newest, userId, scope]);
  const sender = useUser(arrived?.senderId ?? null);
  if (!arrived?.senderId) return '';
  const name = nameOf?.(arrived.senderId) || sender?.displayName || arrived.senderId;
  return `${name}: ${arrived.text || arrived.attachment?.name || ''}`;
}

/** The default row: avatar and name at the start of a sender's run, the bubble with its file, text, previews and time, reactions, ticks. */
function DefaultMessage({
  conversationId,
  message,
  userId,
  nameOf,
  first,
  showSenders,
  thread,
  onOpenThread,
  quickReactions,
  onReply,
  quoted,
}: {
  conversationId: string;
  message: ChatMessage;
  userId: string | null;
  nameOf: ((userId: string) => string | null | undefined) | undefined;
  first: boolean;
  showSenders: boolean;
  thread: string | undefined;
  onOpenThread: ((rootId: string) => void) | undefined;
  quickReactions: readonly string[];
  onReply: ((message: ChatMessage) => void) | undefined;
  /** The message this one replies to, when it is loaded. */
  quoted: ChatMessage | undefined;
}) {
  const own = message.senderId !== null && message.senderId === userId;
  const sender = useUser(showSenders && !own ? message.senderId : null);
  const senderName = message.senderId ? nameOf?.(message.senderId) || sender?.displayName || message.senderId : 'system';
  const deleted = message.deletedAt !== null;
  // A message that is not a reply and has no thread yet offers to start one among its actions; a root shows its thread's button.
  const startsThread = onOpenThread !== undefined && !thread && message.threadId === null && !message.thread;
  return h(
    'div',
    {
      className: 'c4a-message',
      'data-own': own || undefined,
      'data-first': first || undefined,
      'data-system': message.senderId === null || undefined,
      'data-deleted': deleted || undefined,
    },
    showSenders && !own && message.senderId !== null
      ? first
        ? h(Avatar, { userId: message.senderId, name: senderName, size: 32 })
        : h('span', { className: 'c4a-avatar-gap', 'aria-hidden': true })
      : null,
    h(
      'div',
      { className: 'c4a-bubble' },
      showSenders && !own && first
        ? h('span', { className: 'c4a-message-sender', style: { '--c4a-avatar-hue': hueOf(senderName) } as CSSProperties }, senderName)
        : null,
      message.replyTo && !deleted ? h(Quote, { message: quoted, nameOf }) : null,
      message.attachment || message.pendingFile ? h(MessageFile, { message }) : null,
      deleted ? null : h(MessageContent, { message }),
      deleted || (message.text && !textInContent(message))
        ? h('p', { className: 'c4a-message-text' }, deleted ? 'Message deleted' : h(MentionText, { message, nameOf }))
        : null,
      message.previews.length > 0 && !deleted ? h(LinkPreviews, { previews: message.previews }) : null,
      h(
        'span',
        { className: 'c4a-message-meta' },
        message.editedAt && !deleted ? h('span', { className: 'c4a-edited' }, 'edited') : null,
        h('time', { dateTime: message.createdAt }, timeOf(message.createdAt)),
        own ? h(MessageStatus, { conversationId, messageId: message.id }) : null,
      ),
    ),
    message.reactions.length > 0 ? h(Reactions, { conversationId, messageId: message.id }) : null,
    !deleted && message.seq !== null && (quickReactions.length > 0 || onReply || startsThread)
      ? h(MessageActions, { conversationId, message, quickReactions, onReply, onOpenThread: startsThread ? onOpenThread : undefined })
      : null,
    message.channels.length > 0 ? h(ChannelStatus, { conversationId, messageId: message.id }) : null,
    onOpenThread && !thread && message.thread ? h(ThreadButton, { message, nameOf, onOpen: onOpenThread }) : null,
  );
}

/** The message a reply quotes: its sender and the start of its text, or "Original message" when it is not loaded. */
function Quote({
  message,
  nameOf,
}: {
  message: ChatMessage | undefined;
  nameOf: ((userId: string) => string | null | undefined) | undefined;
}) {
  const sender = useUser(message?.senderId ?? null);
  const name = message?.senderId ? nameOf?.(message.senderId) || sender?.displayName || message.senderId : null;
  const text = !message ? 'Original message' : message.deletedAt ? 'Message deleted' : message.text || message.attachment?.name || '';
  return h(
    'blockquote',
    { className: 'c4a-quote' },
    name ? h('span', { className: 'c4a-quote-sender' }, name) : null,
    h('span', { className: 'c4a-quote-text' }, text.length > 120 ? `${text.slice(0, 119)}…` : text),
  );
}

/** What the pointer or focus offers on a message: quick reactions (pressed when the user's), Reply, Reply in thread. */
function MessageActions({
  conversationId,
  message,
  quickReactions,
  onReply,
  onOpenThread,
}: {
  conversationId: string;
  message: ChatMessage;
  quickReactions: readonly string[];
  onReply: ((message: ChatMessage) => void) | undefined;
  onOpenThread: ((rootId: string) => void) | undefined;
}) {
  const { reactions, toggle } = useReactions(conversationId, message.id);
  return h(
    'span',
    { className: 'c4a-message-actions', role: 'group', 'aria-label': 'Message actions' },
    ...quickReactions.map((key) =>
      h(
        'button',
        {
          key,
          type: 'button',
          'aria-label': `React with ${key}`,
          'aria-pressed': reactions.some((r) => r.key === key && r.mine),
          onClick: () => void toggle(key).catch(() => {}),
        },
        key,
      ),
    ),
    onReply ? h('button', { key: 'reply', type: 'button', onClick: () => onReply(message) }, 'Reply') : null,
    onOpenThread ? h('button', { key: 'thread', type: 'button', onClick: () => onOpenThread(message.id) }, 'Reply in thread') : null,
  );
}

/** Opens a message's thread: "3 replies · Amy, Bo" on a root, "Reply in thread" on any other message not deleted. */
export function ThreadButton({
  message,
  nameOf,
  onOpen,
}: {
  message: ChatMessage;
  nameOf?: (userId: string) => string | null | undefined;
  onOpen: (rootId: string) => void;
}) {
  const summary = message.thread;
  if (!summary && message.deletedAt) return null;
  const label = summary
    ? `${summary.replyCount} ${summary.replyCount === 1 ? 'reply' : 'replies'} · ${summary.participants.map((id) => nameOf?.(id) || id).join(', ')}`
    : 'Reply in thread';
  return h(
    'button',
    { type: 'button', className: 'c4a-thread-button', 'data-start': summary ? undefined : true, onClick: () => onOpen(message.id) },
    label,
  );
}

/** Sizes as people read them: 930 B, 14.2 kB, 3.1 MB, 1.9 GB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** A file message's file: an image shown inline, any file as a download link, or the user's own upload in progress. */
export function MessageFile({ message }: { message: ChatMessage }) {
  const { progress } = useUpload(message.attachment ? undefined : message.id);
  const file = message.attachment;
  if (!file) {
    const pending = message.pendingFile;
    const percent = progress ? Math.floor((progress.bytesSent / Math.max(1, progress.bytesTotal)) * 100) : 0;
    return h(
      'p',
      { className: 'c4a-message-file', 'data-uploading': true },
      `${pending?.name ?? 'file'} · ${progress?.status === 'failed' ? 'upload failed' : `uploading ${percent}%`}`,
    );
  }
  return h(FileLink, { file });
}

/**
 * A finished file: an image shown inline (its thumbnail, at its own size, linking to the whole
 * image, when the relay made one), a video's thumbnail linking to the video, and a download
 * link, through a short-lived signed link.
 */
function FileLink({ file }: { file: NonNullable<ChatMessage['attachment']> }) {
  const url = useFileUrl(file.uploadId) ?? undefined;
  const label = `${file.name} (${formatBytes(file.size)})`;
  const thumbnail = file.thumbnail;
  const image = file.type.startsWith('image/');
  return h(
    'div',
    { className: 'c4a-message-file' },
    !url || !(image || (thumbnail && file.type.startsWith('video/')))
      ? null
      : thumbnail
        ? h(
            'a',
            {
              href: url,
              target: '_blank',
              rel: 'noopener',
              className: image ? 'c4a-message-thumbnail' : 'c4a-message-thumbnail c4a-message-video',
            },
            h('img', { src: thumbnailUrl(url), alt: file.name, width: thumbnail.width, height: thumbnail.height, loading: 'lazy' }),
          )
        : h('img', { src: url, alt: file.name, width: file.width ?? undefined, height: file.height ?? undefined, loading: 'lazy' }),
    h('a', { href: url, download: file.name, target: '_blank', rel: 'noopener' }, label),
  );
}
