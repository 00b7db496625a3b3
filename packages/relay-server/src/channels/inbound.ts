import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { InboundEvent, InboundFile } from '@chat4all/connectors';
import {
  type Contact,
  isReactionKey,
  type MessageContent,
  type MessageKind,
  type InboundOutcome as ProtocolInboundOutcome,
} from '@chat4all/protocol';
import type { Logger } from 'pino';
import type { ConversationService } from '../conversations/service.js';
import { RelayError } from '../errors.js';
import type { MessageService } from '../messages/service.js';
import type { SafetyService } from '../safety/service.js';
import type { Store } from '../store/types.js';
import type { UploadService } from '../uploads/service.js';
import type { Channel, Channels } from './channels.js';
import type { DeliveryService } from './deliveries.js';

/**
 * The message id of a platform's message: a UUID (version 8, name-based) derived from the
 * channel account and the platform's id, so the same webhook delivered twice, or to two
 * nodes, appends one message.
 */
export function inboundMessageId(channelId: string, externalId: string): string {
  const hex = createHash('sha256').update(`${channelId}\u0000${externalId}`).digest('hex');
  const variant = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** What one webhook call did: the counts of `InboundOutcome` in @chat4all/protocol. */
export type InboundOutcome = Omit<ProtocolInboundOutcome, 'ok'>;

/**
 * What platforms send in: verified, then each message mapped to its contact (created on first
 * contact, with a conversation for the channel's members) and appended through the idempotent
 * message path, and each status applied to the delivery it is about.
 */
export class InboundService {
  constructor(
    private readonly deps: {
      store: Pick<Store, 'contacts' | 'deliveries' | 'messages'>;
      channels: Channels;
      messages: MessageService;
      conversations: ConversationService;
      deliveries: DeliveryService;
      uploads: UploadService;
      /** Refuses the messages of a contact muted in or banned from its conversation. */
      safety?: Pick<SafetyService, 'inboundRefusal'>;
      log: Logger;
      onContactCreated?(contact: Contact): void;
    },
  ) {}

  /** Meta's set-up GET: the challenge to echo. */
  challenge(channelId: string, query: Record<string, unknown>): string {
    const channel = this.deps.channels.require(channelId);
    const challenge = channel.connector.verifyChallenge?.(query) ?? null;
    if (challenge === null)
      throw new RelayError('WEBHOOK_VERIFY_TOKEN_INVALID', 'hub.verify_token does not match the channel’s verifyToken');
    return challenge;
  }

  /** Applies parsed events in order; a failure stops there, so the platform's retry redoes the rest (each step is idempotent). */
  async ingest(channel: Channel, events: readonly InboundEvent[]): Promise<InboundOutcome> {
    const outcome: InboundOutcome = { messages: 0, statuses: 0 };
    for (const event of events) {
      if (event.kind === 'message') {
        await this.#message(channel, event);
        outcome.messages++;
        if (event.acknowledge) this.#acknowledge(channel, event.acknowledge);
      } else if (event.kind === 'edit' || event.kind === 'delete') {
        await this.#change(channel, event);
        outcome.messages++;
      } else if (event.kind === 'reaction') {
        await this.#reaction(channel, event);
        outcome.messages++;
      } else if (event.kind === 'moved') {
        await this.moved(channel, event.conversationKey, event.to);
      } else if (event.kind === 'watermark') {
        const before = Date.parse(event.before);
        if (!Number.isNaN(before)) await this.deps.deliveries.applyWatermark(channel.id, event.conversationKey, event.status, before);
        outcome.statuses++;
      } else {
        const at = Date.parse(event.at);
        await this.deps.deliveries.applyStatus(channel.id, event.externalId, event.status, Number.isNaN(at) ? Date.now() : at, event.error);
        outcome.statuses++;
      }
    }
    return outcome;
  }

  /** Answers the platform's token once the event is stored (Telegram's button press); a refusal is logged, never retried. */
  #acknowledge(channel: Channel, token: string): void {
    const answer = channel.connector.acknowledge?.(token);
    answer?.then(
      (result) => {
        if (!result.ok) this.deps.log.info({ channelId: channel.id, code: result.error.code }, 'the platform refused an acknowledgement');
      },
      (err: unknown) => this.deps.log.warn({ err, channelId: channel.id }, 'acknowledging an event failed'),
    );
  }

  /** The contact with this identity, created with its conversation (announced to its members) when new. */
  async #contact(channel: Channel, identity: { externalId: string; name: string | null; username: string | null; inbound: boolean }) {
    // Someone who writes in with no name (Messenger, Instagram): the platform is asked who they are, once, before their
    // contact is made; an Instagram username names one who set no name.
    const profile = identity.inbound && identity.name === null ? await this.#profile(channel, identity.externalId) : null;
    const now = Date.now();
    const newContactId = `contact:${randomUUID()}`;
    const outcome = await this.deps.store.contacts.ensure({
      channel: { id: channel.id, type: channel.type },
      externalId: identity.externalId,
      displayName: identity.name ?? profile?.name ?? profile?.username ?? null,
      username: identity.username ?? profile?.username ?? null,
      inboundAt: identity.inbound ? now : null,
      newContactId,
      conversation: {
        id: randomUUID(),
        memberIds: channel.config.members ?? [],
        metadata: { contactId: newContactId, channel: { id: channel.id, type: channel.type } },
      },
      now,
    });
    if (outcome.created) {
      await this.deps.conversations.announceCreated(outcome.conversation.id);
      this.deps.log.info({ contactId: outcome.contact.id, channelId: channel.id, conversationId: outcome.conversation.id }, 'new contact');
      this.deps.onContactCreated?.(outcome.contact);
    }
    return outcome;
  }

  /**
   * Who a person the platform names only by id is, from the connector's `profile` (Meta's User
   * Profile API): asked only for an identity the relay does not know yet, and given 2 s, so the
   * webhook stays fast. No answer (an error, a missing permission, too slow) is null: the contact
   * is named by its id, as without it.
   */
  async #profile(channel: Channel, externalId: string) {
    const { connector } = channel;
    if (!connector.profile || (await this.deps.store.contacts.find(channel.id, externalId))) return null;
    const signal = AbortSignal.timeout(2_000);
    // The signal ends the platform call; the race ends the wait even for a connector that does not heed it.
    const late = new Promise<null>((resolve) => signal.addEventListener('abort', () => resolve(null), { once: true }));
    let found: Awaited<ReturnType<typeof connector.profile>> = null;
    try {
      found = await Promise.race([connector.profile(externalId, signal), late]);
    } catch (err) {
      this.deps.log.warn({ err, channelId: channel.id }, 'asking the platform for a contact’s profile failed');
    }
    if (!found) this.deps.log.info({ channelId: channel.id }, 'the platform gave no profile for a new contact; it is named by its id');
    return found;
  }

  /** The platform moved a chat to a new id: the contact's identity follows, with its conversation. */
  async moved(channel: Channel, from: string, to: string): Promise<void> {
    if (from === to) return;
    if (await this.deps.store.contacts.moveIdentity(channel.id, from, to))
      this.deps.log.info({ channelId: channel.id, from, to }, 'a chat moved to a new id; its contact follows');
  }

  /** A contact the app wants to reach before they write (their number, chat id…). */
  addContact(channelId: string, externalId: string, displayName: string | null) {
    const channel = this.deps.channels.require(channelId);
    return this.#contact(channel, { externalId, name: displayName, username: null, inbound: false });
  }

  async #message(channel: Channel, event: Extract<InboundEvent, { kind: 'message' }>): Promise<void> {
    const { messages } = this.deps;
    const { contact, conversation } = await this.#contact(channel, {
      externalId: event.conversationKey,
      name: event.from.name,
      username: event.from.username,
      inbound: true,
    });
    const conversationId = contact.conversationId ?? conversation.id;
    const id = inboundMessageId(channel.id, event.externalId);
    const refusal = await this.deps.safety?.inboundRefusal(conversationId, contact.id);
    if (refusal) {
      // Answered as taken, so the platform does not send it again; the log keeps what was dropped.
      this.deps.log.info(
        { contactId: contact.id, conversationId, channelId: channel.id, externalId: event.externalId, refusal },
        'contact message dropped',
      );
      return;
    }
    // A file is copied into the relay's storage once: a repeated webhook finds the message stored.
    const attachment =
      event.file && channel.connector.fetchFile && !(await this.deps.store.messages.get(conversationId, id))
        ? await this.#copyFile(channel, contact.id, conversationId, id, event.file)
        : null;
    // A file the platform will never give, with no text, is not left as an empty text message.
    const unfetched = event.file && !attachment && event.text === '';
    const fileContent = event.content?.type === 'sticker' || event.content?.type === 'voice' || event.content?.type === 'video_note';
    const content =
      unfetched && (!event.content || fileContent)
        ? { type: 'unsupported' as const, platformType: event.content?.type ?? 'file' }
        : (event.content ?? null);
    await messages.receive({
      id,
      conversationId,
      senderId: contact.id,
      kind: attachment ? 'file' : kindOf(content),
      attachment,
      content,
      text: event.text,
      metadata: {
        channel: {
          id: channel.id,
          type: channel.type,
          externalId: event.externalId,
          sentAt: event.sentAt,
          ...(event.file ? { file: event.file } : {}),
        },
      },
      replyTo: event.replyToExternalId ? await this.#replyTarget(channel.id, conversationId, event.replyToExternalId) : null,
    });
  }

  /**
   * A contact edited or deleted ("unsent") a message of theirs: the stored message changes as
   * if its author had changed it, with `message.updated` or `message.deleted`. One the relay
   * never stored, one already deleted, or an edit to the text it already has changes nothing,
   * so a webhook delivered twice changes it once.
   */
  async #change(channel: Channel, event: Extract<InboundEvent, { kind: 'edit' | 'delete' }>): Promise<void> {
    // A change to a message from a chat the relay never heard from creates nothing.
    const contact = await this.deps.store.contacts.find(channel.id, event.conversationKey);
    const conversationId = contact?.conversationId;
    if (!contact || !conversationId) return;
    const id = inboundMessageId(channel.id, event.externalId);
    const stored = await this.deps.store.messages.get(conversationId, id);
    if (!stored || stored.deletedAt || stored.senderId !== contact.id) return;
    if (event.kind === 'delete') {
      await this.deps.messages.delete(SERVER, conversationId, id);
      return;
    }
    if (stored.text === event.text) return;
    // An edit the relay's text rules refuse (longer than its limit) leaves the message as it was.
    await this.deps.messages.edit(SERVER, conversationId, id, event.text).catch((error: unknown) => {
      if (!(error instanceof RelayError) || error.status >= 500) throw error;
      this.deps.log.warn({ channelId: channel.id, messageId: id, code: error.code }, 'a contact’s edit was not applied');
    });
  }

  /**
   * A contact's reactions to a message (theirs, or one sent to them) become theirs on the
   * stored message, as reported: the same report twice changes it once. One to a message the
   * relay never stored, or from a chat it never heard from, changes nothing.
   */
  async #reaction(channel: Channel, event: Extract<InboundEvent, { kind: 'reaction' }>): Promise<void> {
    const contact = await this.deps.store.contacts.find(channel.id, event.conversationKey);
    const conversationId = contact?.conversationId;
    if (!contact || !conversationId) return;
    const messageId = await this.#replyTarget(channel.id, conversationId, event.externalId);
    if (!messageId) return;
    // Keys the relay cannot hold as reactions (too long, with spaces) are left out, not the whole report.
    const keys = event.keys.filter((key) => isReactionKey(key));
    await this.deps.messages.react(SERVER, conversationId, messageId, { set: keys }, contact.id).catch((error: unknown) => {
      if (!(error instanceof RelayError) || error.status >= 500) throw error;
      this.deps.log.info({ channelId: channel.id, messageId, code: error.code }, 'a contact’s reaction was not applied');
    });
  }

  /**
   * Downloads a file a contact sent and stores it like an upload of theirs, attached to the
   * message. A platform that cannot give it now fails the webhook (it is retried); one that
   * never will leaves the message without its file (`metadata.channel.file` still names it).
   */
  async #copyFile(channel: Channel, contactId: string, conversationId: string, messageId: string, file: InboundFile) {
    const fetched = await (channel.connector.fetchFile as NonNullable<Channel['connector']['fetchFile']>)(file);
    if (!fetched.ok) {
      if (fetched.error.retry !== 'never')
        throw new RelayError('CHANNEL_UNAVAILABLE', `The file could not be fetched from ${channel.id}: ${fetched.error.message}`);
      this.deps.log.warn({ channelId: channel.id, file, error: fetched.error }, 'a contact’s file could not be fetched');
      return null;
    }
    const type = fetched.type ?? file.type ?? 'application/octet-stream';
    const name =
      fetched.name ?? file.name ?? `${channel.type}-${file.platformFileId.slice(-12).replace(/[^\w.-]/g, '')}${extensionOf(type)}`;
    // The platform's checksum, when it gives one, is checked against the bytes: a mismatch is fetched again on the platform's retry.
    const upload = await this.deps.uploads
      .small(
        contactId,
        conversationId,
        { filename: name, filetype: type, ...(file.sha256 ? { sha256: file.sha256 } : {}) },
        Readable.fromWeb(fetched.body as never),
      )
      .catch((error: unknown) => {
        if (error instanceof RelayError && error.code === 'CHECKSUM_MISMATCH')
          throw new RelayError('CHANNEL_UNAVAILABLE', `The file from ${channel.id} did not match its checksum`, { cause: error });
        throw error;
      });
    return this.deps.uploads.attach(contactId, conversationId, upload.id, messageId);
  }

  /** Our id of the message a contact answered: one of theirs (derived id) or one we sent them (by the platform's id). */
  async #replyTarget(channelId: string, conversationId: string, externalId: string): Promise<string | null> {
    const inbound = inboundMessageId(channelId, externalId);
    if (await this.deps.store.messages.get(conversationId, inbound)) return inbound;
    const delivery = await this.deps.store.deliveries.get({ channelId, externalId });
    return delivery?.conversationId === conversationId ? delivery.messageId : null;
  }
}

/** Changes a contact makes go through the message service as the server API's would. */
const SERVER = { kind: 'server' } as const;

/** The kind of a message from a channel by its content: a location, contact cards, an unsupported type, else text. */
function kindOf(content: MessageContent | null): MessageKind {
  if (content?.type === 'location' || content?.type === 'contacts' || content?.type === 'unsupported') return content.type;
  return 'text';
}

function extensionOf(type: string): string {
  const known: Record<string, string> = {
    'image/jpeg': '.jpg',
    'image/png': '.png',
    'image/webp': '.webp',
    'application/pdf': '.pdf',
    'audio/ogg': '.ogg',
    'video/mp4': '.mp4',
  };
  return known[type.split(';')[0]?.trim() ?? ''] ?? '';
}
