import type { MessageContent } from '@chat4all/protocol';
import type { InboundEvent, InboundFile } from '../types.js';

/** The emoji of Messenger's and Instagram's named reactions, for a webhook that names one without its emoji. */
const REACTION_EMOJI: Record<string, string> = {
  smile: '😆',
  laugh: '😆',
  angry: '😡',
  sad: '😢',
  wow: '😮',
  love: '❤️',
  like: '👍',
  dislike: '👎',
};

interface MessagingEvent {
  sender: { id: string };
  recipient: { id: string };
  timestamp: number;
  message?: {
    mid: string;
    text?: string;
    is_echo?: boolean;
    /** Instagram: the person unsent it. */
    is_deleted?: boolean;
    is_unsupported?: boolean;
    quick_reply?: { payload: string };
    sticker_id?: number;
    reply_to?: { mid?: string; story?: { url?: string; id?: string } };
    attachments?: Array<{
      type: string;
      title?: string;
      payload?: { url?: string; title?: string; sticker_id?: number; coordinates?: { lat: number; long: number } };
    }>;
  };
  /** A tapped button or ice breaker (`messaging_postbacks`). */
  postback?: { mid?: string; title?: string; payload?: string };
  /** Messenger `message_edits`. */
  message_edit?: { mid: string; text?: string; num_edit?: number };
  /** `message_reactions`: to the message `mid`; an unreact may name no emoji. */
  reaction?: { mid: string; action: 'react' | 'unreact'; emoji?: string; reaction?: string };
  delivery?: { mids?: string[]; watermark: number };
  read?: { watermark?: number; mid?: string };
}

/** The `page` (Messenger) or `instagram` webhook: `entry[].messaging[]`. */
export interface MetaMessagingWebhook {
  object: 'page' | 'instagram';
  entry: Array<{ id: string; time: number; messaging?: MessagingEvent[] }>;
}

/** Attachment types whose media the relay copies: the others are links (shares, reels, posts) or have no file. */
const FETCHED = new Set(['image', 'video', 'audio', 'file', 'sticker']);

type Attachment = NonNullable<NonNullable<MessagingEvent['message']>['attachments']>[number];

/**
 * The events of a `page` (Messenger) or `instagram` webhook: messages, postbacks, edits,
 * reactions, deliveries and reads; echoes of the account's own sends are skipped.
 */
export function metaMessagingEvents(channel: 'messenger' | 'instagram', body: unknown): InboundEvent[] {
  const webhook = body as MetaMessagingWebhook;
  const object = channel === 'messenger' ? 'page' : 'instagram';
  if (webhook?.object !== object || !Array.isArray(webhook.entry)) return [];
  const events: InboundEvent[] = [];
  for (const entry of webhook.entry) {
    for (const item of entry.messaging ?? []) {
      const at = new Date(item.timestamp ?? entry.time).toISOString();
      const { message, delivery, read, postback } = item;
      const person = { conversationKey: item.sender.id, from: { id: item.sender.id, name: null, username: null } };
      if (message?.is_deleted && !message.is_echo)
        events.push({ kind: 'delete', externalId: message.mid, conversationKey: item.sender.id, at });
      // Echoes are the account's own sends (ours, or from the Page inbox): not inbound.
      else if (message && !message.is_echo) {
        const attachment = message.attachments?.find((a) => a.type !== 'fallback') ?? message.attachments?.[0];
        const fetchable = attachment && FETCHED.has(attachment.type) && attachment.payload?.url;
        const file: InboundFile | null = fetchable
          ? { platformFileId: attachment.payload?.url as string, name: null, type: mimeOf(attachment.type), size: null }
          : null;
        events.push({
          kind: 'message',
          externalId: message.mid,
          ...person,
          ...metaContent(message, attachment),
          file,
          sentAt: at,
          replyToExternalId: message.reply_to?.mid ?? null,
        });
      }
      if (postback?.mid) {
        const title = postback.title ?? postback.payload ?? '';
        events.push({
          kind: 'message',
          externalId: postback.mid,
          ...person,
          text: title,
          file: null,
          content: { type: 'choice', payload: postback.payload ?? '', title, description: null },
          sentAt: at,
          replyToExternalId: null,
        });
      }
      // One reaction per person: a `react` sets it, an `unreact` (which may name no emoji) takes it back.
      if (item.reaction?.mid)
        events.push({
          kind: 'reaction',
          externalId: item.reaction.mid,
          ...person,
          keys: item.reaction.action === 'react' ? [item.reaction.emoji ?? REACTION_EMOJI[item.reaction.reaction ?? ''] ?? '👍'] : [],
          at,
        });
      if (item.message_edit?.mid)
        events.push({
          kind: 'edit',
          externalId: item.message_edit.mid,
          conversationKey: item.sender.id,
          text: item.message_edit.text ?? '',
          at,
        });
      if (delivery) {
        for (const mid of delivery.mids ?? []) events.push({ kind: 'status', externalId: mid, status: 'delivered', at, error: null });
        if (!delivery.mids?.length)
          events.push({
            kind: 'watermark',
            conversationKey: item.sender.id,
            status: 'delivered',
            before: new Date(delivery.watermark).toISOString(),
          });
      }
      if (read?.mid) events.push({ kind: 'status', externalId: read.mid, status: 'read', at, error: null });
      else if (read?.watermark)
        events.push({
          kind: 'watermark',
          conversationKey: item.sender.id,
          status: 'read',
          before: new Date(read.watermark).toISOString(),
        });
    }
  }
  return events;
}

/**
 * A person's message as text and content: a quick reply keeps its payload, a sticker is
 * marked, a (legacy) location pin is a location, a story reply names the story, and an
 * attachment this model has no kind for (a share, a reel, a story mention, a template) is
 * `unsupported` with its type and its link as the text.
 */
function metaContent(
  message: NonNullable<MessagingEvent['message']>,
  attachment: Attachment | undefined,
): { text: string; content: MessageContent | null } {
  const text = message.text ?? '';
  if (message.quick_reply)
    return { text, content: { type: 'choice', payload: message.quick_reply.payload, title: text, description: null } };
  const coordinates = attachment?.payload?.coordinates;
  if (attachment?.type === 'location' && coordinates)
    return {
      text: attachment.title ?? `${coordinates.lat}, ${coordinates.long}`,
      content: {
        type: 'location',
        latitude: coordinates.lat,
        longitude: coordinates.long,
        name: attachment.title ?? null,
        address: null,
        url: null,
      },
    };
  if (message.sticker_id !== undefined || attachment?.type === 'sticker' || attachment?.payload?.sticker_id !== undefined)
    return { text, content: { type: 'sticker', animated: false, emoji: null } };
  if (message.reply_to?.story) return { text, content: { type: 'story_reply', url: message.reply_to.story.url ?? null } };
  if (attachment && !FETCHED.has(attachment.type))
    return {
      text: text || (attachment.payload?.url ?? attachment.payload?.title ?? ''),
      content: { type: 'unsupported', platformType: attachment.type },
    };
  if (message.is_unsupported) return { text, content: { type: 'unsupported', platformType: 'unsupported' } };
  return { text, content: null };
}

function mimeOf(type: string): string | null {
  return type === 'image' || type === 'sticker' ? 'image/*' : type === 'video' ? 'video/*' : type === 'audio' ? 'audio/*' : null;
}
