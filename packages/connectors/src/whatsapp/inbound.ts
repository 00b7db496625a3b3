import { type ContactCard, contentText, type MessageContent } from '@chat4all/protocol';
import type { InboundEvent, InboundFile } from '../types.js';
import { whatsappError } from './errors.js';

type Media = { id: string; mime_type?: string; sha256?: string; caption?: string; filename?: string; voice?: boolean; animated?: boolean };

/** A contact card as the `contacts` message carries it (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components, contacts). */
interface ContactCardPayload {
  name?: { formatted_name?: string; first_name?: string; last_name?: string };
  phones?: Array<{ phone?: string; wa_id?: string; type?: string }>;
  emails?: Array<{ email?: string }>;
  org?: { company?: string };
}

/** One inbound message of the `messages` webhook, by `type` (the webhook reference's message objects). */
interface WebhookMessage {
  from: string;
  id: string;
  timestamp: string;
  type: string;
  text?: { body: string };
  image?: Media;
  video?: Media;
  audio?: Media;
  document?: Media;
  sticker?: Media;
  location?: { latitude: number; longitude: number; name?: string; address?: string; url?: string };
  contacts?: ContactCardPayload[];
  interactive?: {
    type: string;
    button_reply?: { id: string; title: string };
    list_reply?: { id: string; title: string; description?: string };
  };
  button?: { payload: string; text: string };
  reaction?: { message_id: string; emoji?: string };
  order?: { text?: string };
  system?: { body?: string; type?: string };
  unsupported?: { type?: string };
  edit?: { original_message_id: string; message: WebhookMessage };
  revoke?: { original_message_id: string };
  context?: { id: string };
}

interface WebhookStatus {
  id: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  timestamp: string;
  recipient_id: string;
  errors?: Array<{ code: number; title: string; message?: string; error_data?: { details?: string } }>;
}

/** The Cloud API's `messages` webhook: `entry[].changes[].value` with `messages`, `contacts` and `statuses`. */
export interface WhatsAppWebhook {
  object: string;
  entry: Array<{
    id: string;
    changes: Array<{
      field: string;
      value: {
        messaging_product: 'whatsapp';
        metadata: { display_phone_number: string; phone_number_id: string };
        contacts?: Array<{ profile?: { name?: string }; wa_id: string }>;
        messages?: WebhookMessage[];
        statuses?: WebhookStatus[];
      };
    }>;
  }>;
}

/**
 * The events of a `messages` webhook: messages of every type (edits, revokes and reactions as
 * their own events) and sent, delivered, read and failed statuses.
 */
export function whatsappEvents(body: unknown): InboundEvent[] {
  const webhook = body as WhatsAppWebhook;
  if (webhook?.object !== 'whatsapp_business_account' || !Array.isArray(webhook.entry)) return [];
  const events: InboundEvent[] = [];
  for (const entry of webhook.entry) {
    for (const change of entry.changes ?? []) {
      if (change.field !== 'messages') continue;
      const { value } = change;
      const names = new Map((value.contacts ?? []).map((c) => [c.wa_id, c.profile?.name ?? null]));
      for (const message of value.messages ?? []) {
        const sentAt = new Date(Number(message.timestamp) * 1000).toISOString();
        if (message.type === 'revoke' && message.revoke) {
          events.push({ kind: 'delete', externalId: message.revoke.original_message_id, conversationKey: message.from, at: sentAt });
          continue;
        }
        if (message.type === 'edit' && message.edit) {
          const edited = message.edit.message;
          const text = edited?.text?.body ?? mediaOf(edited)?.caption ?? '';
          events.push({ kind: 'edit', externalId: message.edit.original_message_id, conversationKey: message.from, text, at: sentAt });
          continue;
        }
        // A reaction to a message from the last 30 days; without `emoji` when the contact took it back.
        if (message.type === 'reaction' && message.reaction?.message_id) {
          const emoji = message.reaction.emoji;
          events.push({
            kind: 'reaction',
            externalId: message.reaction.message_id,
            conversationKey: message.from,
            from: { id: message.from, name: names.get(message.from) ?? null, username: null },
            keys: emoji ? [emoji] : [],
            at: sentAt,
          });
          continue;
        }
        const media = mediaOf(message);
        const file: InboundFile | null = media
          ? {
              platformFileId: media.id,
              name: media.filename ?? null,
              type: media.mime_type ?? null,
              size: null,
              ...(media.sha256 ? { sha256: Buffer.from(media.sha256, 'base64').toString('hex') } : {}),
            }
          : null;
        const { text, content } = whatsappContent(message, media);
        events.push({
          kind: 'message',
          externalId: message.id,
          conversationKey: message.from,
          from: { id: message.from, name: names.get(message.from) ?? null, username: null },
          text,
          file,
          content,
          sentAt,
          replyToExternalId: message.context?.id ?? null,
        });
      }
      for (const status of value.statuses ?? []) {
        const error = status.errors?.[0];
        events.push({
          kind: 'status',
          externalId: status.id,
          status: status.status,
          at: new Date(Number(status.timestamp) * 1000).toISOString(),
          error: error ? whatsappError(error.code, error.message ?? error.title, error.error_data?.details) : null,
        });
      }
    }
  }
  return events;
}

function mediaOf(message: WebhookMessage | undefined): Media | undefined {
  return message?.image ?? message?.video ?? message?.audio ?? message?.document ?? message?.sticker;
}

/**
 * The text and structured content of an inbound message by its `type`: media captions,
 * stickers and voice notes, locations, contact cards, button and list replies (their title
 * as the text, their id or payload kept), and every other type as `unsupported` with its name.
 */
function whatsappContent(message: WebhookMessage, media: Media | undefined): { text: string; content: MessageContent | null } {
  switch (message.type) {
    case 'text':
      return { text: message.text?.body ?? '', content: null };
    case 'image':
    case 'video':
    case 'document':
      return { text: media?.caption ?? '', content: null };
    case 'audio':
      return { text: '', content: media?.voice ? { type: 'voice' } : null };
    case 'sticker':
      return { text: '', content: { type: 'sticker', animated: media?.animated === true, emoji: null } };
    case 'location': {
      const at = message.location;
      if (!at) break;
      const content = {
        type: 'location' as const,
        latitude: at.latitude,
        longitude: at.longitude,
        name: at.name ?? null,
        address: at.address ?? null,
        url: at.url ?? null,
      };
      return { text: contentText(content), content };
    }
    case 'contacts': {
      const contacts = (message.contacts ?? []).slice(0, 50).map(contactCard);
      if (contacts.length === 0) break;
      const content = { type: 'contacts' as const, contacts };
      return { text: contentText(content), content };
    }
    case 'interactive': {
      const choice = message.interactive?.button_reply ?? message.interactive?.list_reply;
      if (!choice)
        return { text: '', content: { type: 'unsupported', platformType: `interactive.${message.interactive?.type ?? 'unknown'}` } };
      const description = 'description' in choice && typeof choice.description === 'string' ? choice.description : null;
      return { text: choice.title, content: { type: 'choice', payload: choice.id, title: choice.title, description } };
    }
    case 'button':
      if (!message.button) break;
      return {
        text: message.button.text,
        content: { type: 'choice', payload: message.button.payload, title: message.button.text, description: null },
      };
    case 'order':
      return { text: message.order?.text ?? '', content: { type: 'unsupported', platformType: 'order' } };
    case 'system':
      return {
        text: message.system?.body ?? '',
        content: { type: 'unsupported', platformType: `system.${message.system?.type ?? 'unknown'}` },
      };
  }
  const platformType =
    message.type === 'unsupported' || message.type === 'unknown' ? (message.unsupported?.type ?? message.type) : message.type;
  return { text: '', content: { type: 'unsupported', platformType: platformType || 'unknown' } };
}

/** A shared card within the model's bounds (20 phones and emails, names of 512): a card larger than that is cut, not refused. */
function contactCard(card: ContactCardPayload): ContactCard {
  const name = card.name?.formatted_name ?? [card.name?.first_name, card.name?.last_name].filter(Boolean).join(' ');
  return {
    name: (name || card.phones?.[0]?.phone || 'contact').slice(0, 512),
    phones: (card.phones ?? [])
      .map((p) => ({ phone: (p.phone ?? (p.wa_id ? `+${p.wa_id}` : '')).slice(0, 64), type: p.type?.slice(0, 64) ?? null }))
      .filter((p) => p.phone !== '')
      .slice(0, 20),
    emails: (card.emails ?? [])
      .map((e) => e.email)
      .filter((e): e is string => typeof e === 'string')
      .map((e) => e.slice(0, 512))
      .slice(0, 20),
    organization: card.org?.company?.slice(0, 512) ?? null,
  };
}
