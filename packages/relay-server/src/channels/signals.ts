import type { Logger } from 'pino';
import { BackgroundWork } from '../shared/background.js';
import type { Store } from '../store/types.js';
import type { Channel, Channels } from './channels.js';

/** How often typing is shown again to one contact while an agent keeps typing (Telegram's indicator lasts 5 s). */
const TYPING_EVERY_MS = 4000;

/**
 * Reads and typing passed to the platforms, for channel accounts that turn them on
 * (`passReads`, `passTyping`): an agent reading a contact's messages marks them read there,
 * an agent typing shows typing to the contact. Best effort and never on the message path: a
 * platform refusing one is logged and forgotten.
 */
export class ChannelSignals {
  readonly #work: BackgroundWork;
  /** Per channel account and contact: the last message marked read, and when typing was last shown. */
  readonly #read = new Map<string, string>();
  readonly #typed = new Map<string, number>();

  constructor(private readonly deps: { store: Pick<Store, 'contacts' | 'conversations' | 'messages'>; channels: Channels; log: Logger }) {
    this.#work = new BackgroundWork((err) => deps.log.warn({ err }, 'a read or typing signal to a channel failed'));
  }

  /** An app user read a conversation up to `seq`. */
  read(conversationId: string, seq: number): void {
    this.#work.run(
      this.#each(conversationId, 'passReads', async (channel, recipientId, contactId) => {
        const last = await this.#lastFrom(conversationId, contactId, channel.id, seq);
        const key = `${channel.id}\u0000${recipientId}`;
        if (!last || this.#read.get(key) === last || !channel.connector.markRead) return;
        this.#read.set(key, last);
        const result = await channel.connector.markRead(recipientId, last);
        if (!result.ok) this.deps.log.info({ channelId: channel.id, code: result.error.code }, 'the platform refused a read');
      }),
    );
  }

  /** An app user started or stopped typing in a conversation. */
  typing(conversationId: string, active: boolean): void {
    this.#work.run(
      this.#each(conversationId, 'passTyping', async (channel, recipientId, contactId) => {
        if (!channel.connector.typing) return;
        const key = `${channel.id}\u0000${recipientId}`;
        const now = Date.now();
        if (active && now - (this.#typed.get(key) ?? 0) < TYPING_EVERY_MS) return;
        if (active) this.#typed.set(key, now);
        else this.#typed.delete(key);
        const last = await this.#lastFrom(conversationId, contactId, channel.id, Number.MAX_SAFE_INTEGER);
        const result = await channel.connector.typing(recipientId, active, last);
        if (!result.ok) this.deps.log.info({ channelId: channel.id, code: result.error.code }, 'the platform refused a typing signal');
      }),
    );
  }

  settled(): Promise<void> {
    return this.#work.settled();
  }

  /** For each contact of the conversation whose channel account turns `setting` on. */
  async #each(
    conversationId: string,
    setting: 'passReads' | 'passTyping',
    signal: (channel: Channel, recipientId: string, contactId: string) => Promise<void>,
  ): Promise<void> {
    if (!this.deps.channels.all().some((channel) => channel.config[setting])) return;
    for (const member of await this.deps.store.conversations.listMembers(conversationId)) {
      if (!member.userId.startsWith('contact:')) continue;
      const contact = await this.deps.store.contacts.get(member.userId);
      const route = contact ? this.deps.channels.routeFor(contact) : null;
      if (route?.channel.config[setting]) await signal(route.channel, route.identity.externalId, member.userId);
    }
  }

  /** The platform's id of the contact's newest message on this channel account, up to `seq`. */
  async #lastFrom(conversationId: string, contactId: string, channelId: string, seq: number): Promise<string | null> {
    const { messages } = await this.deps.store.messages.list(conversationId, { before: Math.min(seq + 1, 2_147_483_647), limit: 50 });
    for (const message of messages.reverse()) {
      const origin = message.metadata.channel as { id?: string; externalId?: string } | undefined;
      if (message.senderId === contactId && origin?.id === channelId && typeof origin.externalId === 'string') return origin.externalId;
    }
    return null;
  }
}
