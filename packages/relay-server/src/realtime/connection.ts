import { randomUUID } from 'node:crypto';
import type { ServerFrame } from '@chat4all/protocol';
import type { WebSocket } from 'ws';
import { RelayError } from '../errors.js';

/** Where an event sits in its conversation, so replay and live copies can be told apart. */
export interface EventPosition {
  conversationId: string;
  /** A new message's seq. */
  seq?: number;
  /** Any other durable change's event seq. */
  eventSeq?: number;
  /** A conversation snapshot for a new member. */
  snapshot?: boolean;
}

/** How far a replay went in one conversation; live events at or below it were already sent. */
export interface ReplayedTo {
  seq: number;
  eventSeq: number;
}

type DeliveryState = 'live' | 'holding' | 'replaying';

/** How long a closing socket may take to finish the close handshake (a slow client must first read its backlog). */
const CLOSE_TIMEOUT_MS = 10_000;

/** The longest delay `setTimeout` keeps (about 24.8 days); a later expiry is re-armed in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What the socket's current token grants: until when, and under which built-in login. */
export interface Credentials {
  /** Epoch ms; the socket closes with TOKEN_EXPIRED then. Absent: no expiry (not a JWT user token). */
  expiresAt?: number | undefined;
  sessionId?: string | undefined;
}

/** Requests a socket runs one at a time: each reads or checks a lot, so queueing them would be a flood. */
export type ExclusiveRequest = 'resume' | 'renewal';

interface Held {
  payload: Buffer;
  position: EventPosition | undefined;
}

/** The empty set every connection reads until it has a set of its own. */
const NONE: ReadonlySet<string> = new Set();

/** `set` with `value` added (made if need be) or removed. */
function toggle<T>(set: Set<T> | undefined, value: T, present: boolean): Set<T> | undefined {
  if (present) return (set ?? new Set<T>()).add(value);
  set?.delete(value);
  return set;
}

/**
 * One client socket. Live events go straight out in `live`; while the client has yet to
 * resume (`holding`) or a replay runs (`replaying`) they are held, then flushed without
 * the ones the replay already covered. Bytes buffered in the socket plus held bytes are
 * bounded: a client that cannot keep up is closed with SLOW_CONSUMER and resumes later
 * from the store. Authentication outlives the upgrade only as long as the token: the socket
 * closes with TOKEN_EXPIRED when it expires, unless the client renewed it over the socket.
 */
export class Connection {
  readonly id = randomUUID();
  /** Conversations whose live events this connection receives. */
  readonly rooms = new Set<string>();
  // Most connections watch no one, hide no one and have no exclusive request in flight: these
  // sets are made on first use, which keeps an idle connection's heap small.
  #watching: Set<string> | undefined;
  #hidden: Set<string> | undefined;
  /** Answered the last heartbeat ping (or is new). */
  alive = true;
  #state: DeliveryState;
  #held: Held[] | undefined;
  #heldBytes = 0;
  #closed = false;
  #corked = false;
  #onDetach: (() => void) | undefined;
  #credentials: Credentials = {};
  #expiry: ReturnType<typeof setTimeout> | undefined;
  /** Requests that run one at a time on this socket (a resume, a token renewal), while they run. */
  #inFlight: Set<ExclusiveRequest> | undefined;
  /** The login of a token being checked for renewal; a revocation meanwhile closes the socket too. */
  #renewingSession: string | undefined;

  constructor(
    readonly userId: string,
    readonly socket: WebSocket,
    private readonly maxBufferedBytes: number,
    awaitingResume: boolean,
  ) {
    this.#state = awaitingResume ? 'holding' : 'live';
    socket.once('close', () => this.#detach());
  }

  /** Users whose presence events this connection receives (`presence.subscribe`). */
  get watching(): ReadonlySet<string> {
    return this.#watching ?? NONE;
  }

  /** Senders the user blocked: their messages never reach this connection. */
  get hidden(): ReadonlySet<string> {
    return this.#hidden ?? NONE;
  }

  setWatching(userId: string, watching: boolean): void {
    this.#watching = toggle(this.#watching, userId, watching);
  }

  setHidden(senderId: string, hidden: boolean): void {
    this.#hidden = toggle(this.#hidden, senderId, hidden);
  }

  /** Sets what runs once, when the connection stops counting as connected: on `close()` or when the socket closes. */
  onDetach(callback: () => void): void {
    this.#onDetach = callback;
  }

  get expiresAt(): number | undefined {
    return this.#credentials.expiresAt;
  }

  /** Takes a (new) token's expiry and login, replacing the previous ones. */
  authorize(credentials: Credentials): void {
    this.#credentials = credentials;
    clearTimeout(this.#expiry);
    this.#expiry = undefined;
    if (credentials.expiresAt !== undefined && !this.#closed) this.#armExpiry(credentials.expiresAt);
  }

  #armExpiry(expiresAt: number): void {
    const delay = expiresAt - Date.now();
    if (delay <= 0) {
      this.close(new RelayError('TOKEN_EXPIRED', 'The access token expired; renew it with an auth frame before it does'));
      return;
    }
    this.#expiry = setTimeout(() => this.#armExpiry(expiresAt), Math.min(delay, MAX_TIMER_MS));
    this.#expiry.unref();
  }

  /** Whether the socket's token, or the one it is renewing to, belongs to this built-in login. */
  hasSession(sessionId: string): boolean {
    return this.#credentials.sessionId === sessionId || this.#renewingSession === sessionId;
  }

  /** Marks a request of this kind in flight; false when one already is (one at a time per socket). */
  begin(kind: ExclusiveRequest): boolean {
    if (this.#inFlight?.has(kind)) return false;
    this.#inFlight = toggle(this.#inFlight, kind, true);
    return true;
  }

  end(kind: ExclusiveRequest): void {
    this.#inFlight?.delete(kind);
    if (kind === 'renewal') this.#renewingSession = undefined;
  }

  /** The login of the token being renewed to, once verified: a revocation of it closes the socket from now on. */
  renewingTo(sessionId: string | undefined): void {
    if (this.#inFlight?.has('renewal')) this.#renewingSession = sessionId;
  }

  #detach(): void {
    this.#closed = true;
    clearTimeout(this.#expiry);
    const callback = this.#onDetach;
    this.#onDetach = undefined;
    callback?.();
  }

  get awaitingResume(): boolean {
    return this.#state === 'holding';
  }

  /** Sends a reply or replayed frame now, whatever the delivery state. */
  sendFrame(frame: ServerFrame): void {
    this.#write(JSON.stringify(frame));
  }

  /** Sends a replayed frame and resolves when the socket has taken it, so a long replay never outruns the client. */
  sendAndDrain(frame: ServerFrame): Promise<void> {
    return this.sendEncodedAndDrain([JSON.stringify(frame)]);
  }

  /** Sends replayed frames, already encoded, and resolves when the socket has taken the last of them. */
  sendEncodedAndDrain(payloads: readonly (string | Buffer)[]): Promise<void> {
    return new Promise((resolve) => {
      const last = payloads.length - 1;
      if (this.#closed || last < 0) return resolve();
      this.#cork();
      for (let i = 0; i < last; i++) this.socket.send(payloads[i] as string | Buffer, { binary: false });
      this.socket.send(payloads[last] as string | Buffer, { binary: false }, () => resolve());
    });
  }

  /** A live event, encoded once for all its recipients: sent now, or held while the client resumes. */
  deliver(payload: Buffer, position: EventPosition | undefined): void {
    if (this.#state === 'live') {
      this.#write(payload);
      return;
    }
    this.#held ??= [];
    this.#held.push({ payload, position });
    this.#heldBytes += payload.length;
    this.#checkBudget();
  }

  beginReplay(): void {
    this.#state = 'replaying';
  }

  /** Ends a replay: held events the replay covered are dropped, the rest go out in order, then live. */
  finishReplay(replayed: ReadonlyMap<string, ReplayedTo>): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    this.#heldBytes = 0;
    this.#state = 'live';
    for (const { payload, position } of held) {
      if (!position || !coveredBy(position, replayed.get(position.conversationId))) this.#write(payload);
    }
  }

  /**
   * Closes with the error's close code. A client that is not reading never answers the
   * close handshake, so the socket is terminated if it has not closed shortly after.
   */
  close(error: RelayError): void {
    if (this.#closed) return;
    this.#detach();
    this.socket.close(error.closeCode ?? 1011, error.code);
    const timer = setTimeout(() => this.socket.terminate(), CLOSE_TIMEOUT_MS);
    timer.unref();
    this.socket.once('close', () => clearTimeout(timer));
  }

  #write(payload: string | Buffer): void {
    if (this.#closed || this.socket.readyState !== this.socket.OPEN) return;
    this.#cork();
    this.socket.send(payload, { binary: false });
    this.#checkBudget();
  }

  /**
   * Frames written in one event-loop turn (a commit's acks, a burst of events) leave in one
   * system call: the TCP socket is corked on the first and uncorked on the next turn.
   */
  #cork(): void {
    const tcp = (this.socket as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    if (this.#corked || !tcp) return;
    this.#corked = true;
    tcp.cork();
    setImmediate(() => {
      this.#corked = false;
      tcp.uncork();
    });
  }

  #checkBudget(): void {
    if (this.socket.bufferedAmount + this.#heldBytes > this.maxBufferedBytes) {
      this.close(new RelayError('SLOW_CONSUMER', 'The client is not reading fast enough; reconnect and resume'));
    }
  }
}

function coveredBy(position: EventPosition, replayed: ReplayedTo | undefined): boolean {
  if (!replayed) return false;
  if (position.snapshot) return true;
  if (position.seq !== undefined) return position.seq <= replayed.seq;
  if (position.eventSeq !== undefined) return position.eventSeq <= replayed.eventSeq;
  return false;
}
