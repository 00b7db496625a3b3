import type { ChannelDelivery, Conversation, Member, Message, ServerFrame } from '@chat4all/protocol';
import { Store } from '../store.js';

const NO_DELIVERIES: readonly ChannelDelivery[] = [];

/**
 * What the client holds of one conversation: its messages by seq (deduplicated by id,
 * holes filled as they arrive), members with their receipt horizons, and its resume cursor.
 */
export class ConversationCache {
  conversation: Conversation | null = null;
  readonly members = new Map<string, Member>();
  /** Ascending by seq; a new array on every change. */
  readonly messages = new Store<readonly Message[]>([]);
  /** Highest seq held with no hole below it (from where the client started holding). */
  seq = 0;
  eventSeq = 0;
  /** Bumped when members or horizons change, so derived views recompute. */
  readonly version = new Store(0);
  readonly #bySeq = new Map<number, Message>();
  readonly #seqById = new Map<string, number>();
  /** Channel deliveries by message, by contact; the array is replaced only when one of them changes. */
  readonly #deliveries = new Map<string, readonly ChannelDelivery[]>();

  constructor(readonly id: string) {}

  /** Starts holding from a snapshot: older history is paged in on demand. */
  adopt(conversation: Conversation, members: readonly Member[]): void {
    this.conversation = conversation;
    for (const member of members) this.members.set(member.userId, member);
    this.seq = Math.max(this.seq, conversation.lastSeq);
    this.eventSeq = Math.max(this.eventSeq, conversation.lastEventSeq);
    this.#touch();
  }

  upsertMessages(messages: readonly Message[]): void {
    if (messages.length === 0) return;
    for (const message of messages) {
      this.#bySeq.set(message.seq, message);
      this.#seqById.set(message.id, message.seq);
    }
    while (this.#bySeq.has(this.seq + 1)) this.seq++;
    this.messages.set([...this.#bySeq.values()].sort((a, b) => a.seq - b.seq));
  }

  deliveriesOf(messageId: string): readonly ChannelDelivery[] {
    return this.#deliveries.get(messageId) ?? NO_DELIVERIES;
  }

  /** Keeps the newer of two states of a delivery (a replayed one may be older than one already held). */
  upsertDelivery(delivery: ChannelDelivery): void {
    const list = this.#deliveries.get(delivery.messageId) ?? NO_DELIVERIES;
    const held = list.find((d) => d.contactId === delivery.contactId);
    if (held && (held.updatedAt > delivery.updatedAt || held.history.length > delivery.history.length)) return;
    this.#deliveries.set(delivery.messageId, [...list.filter((d) => d !== held), delivery]);
    this.#touch();
  }

  apply(frame: ServerFrame): void {
    switch (frame.type) {
      case 'message.created':
        this.upsertMessages([frame.message]);
        break;
      case 'message.updated':
      case 'message.deleted':
        this.eventSeq = Math.max(this.eventSeq, frame.eventSeq);
        if (this.#bySeq.has(frame.message.seq)) this.upsertMessages([frame.message]);
        break;
      case 'reaction.updated': {
        this.eventSeq = Math.max(this.eventSeq, frame.eventSeq);
        const seq = this.#seqById.get(frame.messageId);
        const held = seq === undefined ? undefined : this.#bySeq.get(seq);
        if (held) this.upsertMessages([{ ...held, reactions: frame.reactions }]);
        break;
      }
      case 'receipt': {
        const member = this.members.get(frame.userId);
        if (member) this.members.set(frame.userId, { ...member, deliveredSeq: frame.deliveredSeq, readSeq: frame.readSeq });
        this.eventSeq = Math.max(this.eventSeq, frame.eventSeq);
        this.#touch();
        break;
      }
      case 'member.added':
      case 'member.updated':
        this.members.set(frame.member.userId, frame.member);
        this.eventSeq = Math.max(this.eventSeq, frame.eventSeq);
        this.#touch();
        break;
      case 'member.removed':
        this.members.delete(frame.userId);
        if (frame.eventSeq !== undefined) this.eventSeq = Math.max(this.eventSeq, frame.eventSeq);
        this.#touch();
        break;
      case 'delivery.updated':
        this.eventSeq = Math.max(this.eventSeq, frame.eventSeq);
        this.upsertDelivery(frame.delivery);
        break;
      case 'conversation.updated':
        this.conversation = frame.conversation;
        this.eventSeq = Math.max(this.eventSeq, frame.eventSeq);
        this.#touch();
        break;
      default:
        break;
    }
  }

  #touch(): void {
    this.version.set(this.version.getSnapshot() + 1);
  }
}
