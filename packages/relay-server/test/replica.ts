import type { ConversationSettings, Member, Message, ResumeCursor, ServerFrame } from '@chat4all/protocol';
import { type RunningRelay, TestSocket } from './fixtures.js';

interface ConversationState {
  messages: Map<number, Message>;
  members: Map<string, Member>;
  /** Highest seq with no hole below it. */
  seq: number;
  eventSeq: number;
}

/**
 * A client's local copy of a user's conversations, kept the way an SDK would: apply every
 * frame, resume from cursors after each reconnect. `duplicates` counts message.created
 * frames for a seq it already held — the thing resume must make impossible.
 */
export class Replica {
  readonly conversations = new Map<string, ConversationState>();
  duplicates = 0;
  socket: TestSocket | undefined;
  /** The user's own settings per conversation, as the last `conversation.settings` said. */
  readonly settings = new Map<string, ConversationSettings>();
  /** Every message.created seq received, per conversation, in arrival order. */
  readonly arrivals = new Map<string, number[]>();

  constructor(
    private readonly relay: RunningRelay,
    private readonly token: string,
  ) {}

  cursors(): Record<string, ResumeCursor> {
    return Object.fromEntries([...this.conversations].map(([id, c]) => [id, [c.seq, c.eventSeq]]));
  }

  /** Connects with `?resume=1`, resumes from the cursors, and resolves once live. */
  async connect(): Promise<{ conversations: number; messages: number; events: number }> {
    const socket = await TestSocket.open(`${this.relay.wsUrl}?resume=1&access_token=${encodeURIComponent(this.token)}`);
    this.socket = socket;
    socket.ws.on('message', (data) => this.apply(JSON.parse(data.toString()) as ServerFrame));
    await socket.next();
    const reply = await socket.request({ type: 'resume', cursors: this.cursors() });
    if (reply.type !== 'ack') throw new Error(`resume failed: ${JSON.stringify(reply)}`);
    return reply.result as { conversations: number; messages: number; events: number };
  }

  disconnect(): void {
    this.socket?.terminate();
    this.socket = undefined;
  }

  state(conversationId: string): ConversationState {
    let state = this.conversations.get(conversationId);
    if (!state) {
      state = { messages: new Map(), members: new Map(), seq: 0, eventSeq: 0 };
      this.conversations.set(conversationId, state);
    }
    return state;
  }

  apply(frame: ServerFrame): void {
    switch (frame.type) {
      case 'conversation.created': {
        const state = this.state(frame.conversation.id);
        for (const member of frame.members) state.members.set(member.userId, member);
        state.eventSeq = Math.max(state.eventSeq, frame.conversation.lastEventSeq);
        // Older history is fetched on demand; the replica holds from what it is sent.
        state.seq = Math.max(state.seq, frame.conversation.lastSeq - 0);
        break;
      }
      case 'message.created': {
        const state = this.state(frame.message.conversationId);
        if (state.messages.has(frame.message.seq)) this.duplicates++;
        state.messages.set(frame.message.seq, frame.message);
        const arrivals = this.arrivals.get(frame.message.conversationId) ?? [];
        arrivals.push(frame.message.seq);
        this.arrivals.set(frame.message.conversationId, arrivals);
        while (state.messages.has(state.seq + 1)) state.seq++;
        break;
      }
      case 'message.updated':
      case 'message.deleted': {
        const state = this.state(frame.message.conversationId);
        state.messages.set(frame.message.seq, frame.message);
        state.eventSeq = Math.max(state.eventSeq, frame.eventSeq);
        break;
      }
      case 'reaction.updated': {
        const state = this.state(frame.conversationId);
        for (const [seq, message] of state.messages)
          if (message.id === frame.messageId) state.messages.set(seq, { ...message, reactions: frame.reactions });
        state.eventSeq = Math.max(state.eventSeq, frame.eventSeq);
        break;
      }
      case 'receipt': {
        const state = this.state(frame.conversationId);
        const member = state.members.get(frame.userId);
        if (member) state.members.set(frame.userId, { ...member, deliveredSeq: frame.deliveredSeq, readSeq: frame.readSeq });
        state.eventSeq = Math.max(state.eventSeq, frame.eventSeq);
        break;
      }
      case 'member.added':
      case 'member.updated': {
        const state = this.state(frame.conversationId);
        state.members.set(frame.member.userId, frame.member);
        state.eventSeq = Math.max(state.eventSeq, frame.eventSeq);
        break;
      }
      case 'member.removed': {
        const state = this.state(frame.conversationId);
        state.members.delete(frame.userId);
        if (frame.eventSeq !== undefined) state.eventSeq = Math.max(state.eventSeq, frame.eventSeq);
        break;
      }
      case 'conversation.updated':
        this.state(frame.conversation.id).eventSeq = Math.max(this.state(frame.conversation.id).eventSeq, frame.eventSeq);
        break;
      case 'conversation.settings':
        this.settings.set(frame.conversationId, frame.settings);
        this.state(frame.conversationId).eventSeq = Math.max(this.state(frame.conversationId).eventSeq, frame.eventSeq);
        break;
      default:
        break;
    }
  }

  /** A comparable snapshot: per conversation, messages (text, edits, tombstones) and members with horizons. */
  snapshot(): unknown {
    return Object.fromEntries(
      [...this.conversations]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([id, c]) => [
          id,
          {
            seq: c.seq,
            eventSeq: c.eventSeq,
            messages: [...c.messages.values()].sort((a, b) => a.seq - b.seq).map((m) => [m.seq, m.id, m.text, m.editedAt, m.deletedAt]),
            members: [...c.members.values()].sort((a, b) => a.userId.localeCompare(b.userId)),
          },
        ]),
    );
  }
}
