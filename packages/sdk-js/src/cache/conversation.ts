import type { ChannelDelivery, Conversation, ConversationEvent, Member, Message, Pin } from '@chat4all/protocol';
import { summarizeThread } from '@chat4all/protocol/thread-summary';
import type { OutboxEntry } from '../outbox/storage.js';
import { Store } from '../store.js';

/**
 * What the client holds of one conversation: its messages by seq (deduplicated by seq, holes
 * filled as they arrive), members with their receipt horizons, channel deliveries by message,
 * and its resume cursor. Immutable: every change is a new state made by `reduceConversation`.
 */
export interface ConversationState {
  readonly id: string;
  readonly conversation: Conversation | null;
  readonly members: ReadonlyMap<string, Member>;
  /** Ascending by seq. */
  readonly messages: readonly Message[];
  /** Highest seq held with no hole below it (from where the client started holding). */
  readonly seq: number;
  readonly eventSeq: number;
  /** Channel deliveries by message, one per contact; a message's array is replaced only when one of them changes. */
  readonly deliveries: ReadonlyMap<string, readonly ChannelDelivery[]>;
  /** Its pins, newest first, lapsed ones included; absent until loaded (the first load brings them whole). */
  readonly pins?: readonly Pin[];
  /**
   * Pin changes that arrived while the first load was on its way, applied again on top of it:
   * the load may have been answered before them (they are newer) or after (applying one again
   * changes nothing). Present only while that load is on its way.
   */
  readonly pinsPending?: ReadonlyArray<{ messageId: string; pin: Pin | null }>;
  /** Bumped when members, horizons or deliveries change, so views check the statuses they derived again. */
  readonly version: number;
}

/**
 * A change to a conversation: a frame of its own, or what the client learnt by asking —
 * messages (a history page, its own message acked, an edit's answer), deliveries, pins, or a
 * `recheck` when the views' inputs changed outside the conversation (the user became known).
 */
export type ConversationAction =
  | ConversationEvent
  | { type: 'messages'; messages: readonly Message[] }
  | { type: 'deliveries'; deliveries: readonly ChannelDelivery[] }
  | { type: 'pins'; pins: readonly Pin[] }
  | { type: 'pins.loading' }
  | { type: 'recheck' };

const NO_DELIVERIES: readonly ChannelDelivery[] = [];

export function emptyConversation(id: string): ConversationState {
  return { id, conversation: null, members: new Map(), messages: [], seq: 0, eventSeq: 0, deliveries: new Map(), version: 0 };
}

export function deliveriesOf(state: ConversationState, messageId: string): readonly ChannelDelivery[] {
  return state.deliveries.get(messageId) ?? NO_DELIVERIES;
}

/** The state after an action; the same state when the action changes nothing. */
export function reduceConversation(state: ConversationState, action: ConversationAction): ConversationState {
  switch (action.type) {
    case 'conversation.created': {
      // Starts holding from a snapshot: older history is paged in on demand.
      const members = new Map(state.members);
      for (const member of action.members) members.set(member.userId, member);
      const { conversation } = action;
      const seq = Math.max(state.seq, conversation.lastSeq);
      return touched({ ...state, conversation, members, seq, eventSeq: Math.max(state.eventSeq, conversation.lastEventSeq) });
    }
    case 'messages':
      return withMessages(state, action.messages);
    case 'message.created':
      return withMessages(state, [action.message]);
    case 'message.updated':
    case 'message.deleted': {
      const next = afterEvent(state, action.eventSeq);
      const held = indexOfSeq(state.messages, action.message.seq) >= 0 ? withMessages(next, [action.message]) : next;
      // A deleted message's pin goes with it (the relay drops it too, without an event of its own).
      return action.type === 'message.deleted' ? withPin(held, action.message.id, null) : held;
    }
    case 'pin.updated':
      return withPin(afterEvent(state, action.eventSeq), action.messageId, action.pin);
    case 'pins.loading':
      return state.pins || state.pinsPending ? state : { ...state, pinsPending: [] };
    case 'pins': {
      const { pinsPending, ...rest } = state;
      let loaded: ConversationState = { ...rest, pins: samePins(state.pins, action.pins) ? state.pins : action.pins };
      for (const change of pinsPending ?? []) loaded = withPin(loaded, change.messageId, change.pin);
      return loaded;
    }
    case 'reaction.updated': {
      const next = afterEvent(state, action.eventSeq);
      const held = findById(state.messages, action.messageId);
      return held ? withMessages(next, [{ ...held, reactions: action.reactions }]) : next;
    }
    case 'receipt': {
      const member = state.members.get(action.userId);
      const members = member
        ? new Map(state.members).set(action.userId, { ...member, deliveredSeq: action.deliveredSeq, readSeq: action.readSeq })
        : state.members;
      return touched({ ...afterEvent(state, action.eventSeq), members });
    }
    case 'member.added':
    case 'member.updated':
      return touched({ ...afterEvent(state, action.eventSeq), members: new Map(state.members).set(action.member.userId, action.member) });
    case 'member.removed': {
      const members = new Map(state.members);
      members.delete(action.userId);
      return touched({ ...afterEvent(state, action.eventSeq), members });
    }
    case 'delivery.updated':
      return withDeliveries(afterEvent(state, action.eventSeq), [action.delivery]);
    case 'deliveries':
      return withDeliveries(state, action.deliveries);
    case 'conversation.updated':
      return touched({ ...afterEvent(state, action.eventSeq), conversation: action.conversation });
    case 'conversation.settings':
      // The user's own settings live in the conversation list; here only the resume cursor moves.
      return afterEvent(state, action.eventSeq);
    case 'recheck':
      return touched(state);
  }
}

function touched(state: ConversationState): ConversationState {
  return { ...state, version: state.version + 1 };
}

function afterEvent(state: ConversationState, eventSeq: number | undefined): ConversationState {
  return eventSeq === undefined || eventSeq <= state.eventSeq ? state : { ...state, eventSeq };
}

function withMessages(state: ConversationState, incoming: readonly Message[]): ConversationState {
  const first = incoming[0];
  if (!first) return state;
  const newest = state.messages.at(-1);
  let messages: Message[];
  if (incoming.length === 1 && (!newest || first.seq > newest.seq)) {
    // The common case, a new message after the newest held: no sort.
    messages = [...state.messages, first];
  } else {
    const bySeq = new Map(state.messages.map((message) => [message.seq, message]));
    for (const message of incoming) bySeq.set(message.seq, newerThread(bySeq.get(message.seq), message));
    messages = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  }
  for (const reply of incoming) if (reply.threadId !== null) withReply(messages, reply);
  return { ...state, messages, seq: contiguousFrom(messages, state.seq) };
}

/**
 * A held root counts a reply it has not counted yet: one above its summary's last reply. A root
 * read from the relay after a reply already counts it, so a reply applied twice counts once.
 */
function withReply(messages: Message[], reply: Message): void {
  for (let i = messages.length - 1; i >= 0; i--) {
    const root = messages[i] as Message;
    if (root.id !== reply.threadId) continue;
    if (reply.seq > (root.thread?.lastReplySeq ?? 0)) messages[i] = { ...root, thread: summarizeThread(root.thread, reply) };
    return;
  }
}

/** The incoming message, with the held one's thread summary when that counts more replies (the relay's answer may predate them). */
function newerThread(held: Message | undefined, incoming: Message): Message {
  const kept = held?.thread;
  return kept && kept.lastReplySeq > (incoming.thread?.lastReplySeq ?? 0) ? { ...incoming, thread: kept } : incoming;
}

/** The highest seq reached from `seq` through messages held one after the other. */
function contiguousFrom(messages: readonly Message[], seq: number): number {
  let index = indexOfSeq(messages, seq + 1);
  let reached = seq;
  while (index >= 0 && messages[index]?.seq === reached + 1) {
    reached++;
    index++;
  }
  return reached;
}

/** Binary search over messages ascending by seq; -1 when none has it. */
function indexOfSeq(messages: readonly Message[], seq: number): number {
  let low = 0;
  let high = messages.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const at = (messages[middle] as Message).seq;
    if (at === seq) return middle;
    if (at < seq) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

/** From the newest back: reactions mostly land on recent messages. */
function findById(messages: readonly Message[], id: string): Message | undefined {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]?.id === id) return messages[i];
  return undefined;
}

/**
 * The pins with `messageId`'s replaced (or gone, for `null`); pins not loaded yet stay so. A pin set now is the newest: pins
 * stay newest first, as the relay lists them (a replay sends them in the order they were set).
 */
function withPin(state: ConversationState, messageId: string, pin: Pin | null): ConversationState {
  if (!state.pins) return state.pinsPending ? { ...state, pinsPending: [...state.pinsPending, { messageId, pin }] } : state;
  const held = state.pins.find((p) => p.messageId === messageId);
  // The pin as it is already held (a change seen twice: live and in the first load): the same state.
  if (held === undefined ? pin === null : pin !== null && samePins([held], [pin])) return state;
  const pins = state.pins.filter((p) => p.messageId !== messageId);
  return { ...state, pins: pin ? [pin, ...pins] : pins };
}

/** Whether two lists hold the same pins, in the same order. */
function samePins(held: readonly Pin[] | undefined, incoming: readonly Pin[]): boolean {
  return held !== undefined && held.length === incoming.length && JSON.stringify(held) === JSON.stringify(incoming);
}

/** Keeps the newer of two states of a delivery (a replayed one may be older than one already held). */
function withDeliveries(state: ConversationState, incoming: readonly ChannelDelivery[]): ConversationState {
  let deliveries: Map<string, readonly ChannelDelivery[]> | undefined;
  for (const delivery of incoming) {
    const list = (deliveries ?? state.deliveries).get(delivery.messageId) ?? NO_DELIVERIES;
    const held = list.find((d) => d.contactId === delivery.contactId);
    if (held && (held.updatedAt > delivery.updatedAt || held.history.length > delivery.history.length)) continue;
    deliveries ??= new Map(state.deliveries);
    deliveries.set(delivery.messageId, [...list.filter((d) => d !== held), delivery]);
  }
  return deliveries ? touched({ ...state, deliveries }) : state;
}

/** One conversation's state as a store; it changes only through `dispatch`. */
export class ConversationCache {
  readonly state: Store<ConversationState>;

  constructor(readonly id: string) {
    this.state = new Store(emptyConversation(id));
  }

  dispatch(action: ConversationAction): void {
    this.state.set(reduceConversation(this.state.getSnapshot(), action));
  }
}

/**
 * A message as the user's queued changes (outbox entries with `change`, in order) leave it: shown at once, until the relay answers. A
 * change that fails leaves the outbox, and with it what it showed. The same message when none is for it.
 */
export function withChanges(message: Message, entries: readonly OutboxEntry[], me: string | null): Message {
  for (const { change: c, createdAt } of entries) {
    if (c?.messageId !== message.id) continue;
    const at = new Date(createdAt).toISOString();
    if (c.type === 'message.edit') message = { ...message, text: c.text, editedAt: at };
    else if (c.type === 'message.delete') message = { ...message, text: '', deletedAt: at };
    else {
      const held = message.reactions.find((r) => r.key === c.key);
      const userIds = (held?.userIds ?? []).filter((id) => id !== me);
      if (c.type === 'reaction.add') userIds.push(me as string);
      const reaction = { key: c.key, count: userIds.length, userIds };
      const reactions = held ? message.reactions.map((r) => (r === held ? reaction : r)) : [...message.reactions, reaction];
      message = { ...message, reactions: reactions.filter((r) => r.count) };
    }
  }
  return message;
}
