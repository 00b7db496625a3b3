import type { ClientFrame, ClientFrameResults, ServerFrame } from '@chat4all/protocol';
import { ERROR_RULES } from '@chat4all/protocol/errors';
import { PROTOCOL_VERSION } from '@chat4all/protocol/version';
import { Chat4AllError, errorCodeOfClose, FATAL_CLOSE_CODES } from '../errors.js';
import { Store } from '../store.js';
import {
  type BackoffOptions,
  backoffDelay,
  type ConnectionEvent,
  type ConnectionState,
  nextConnectionState,
  renewalDelay,
} from './machine.js';

/** The part of the browser WebSocket API the client uses (the `ws` package implements it too). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface SocketOptions {
  /** The relay's base URL, `http(s)://host:port`. */
  url: string;
  /** The WebSocket implementation, looked up when connecting. */
  WebSocket: () => WebSocketConstructor | undefined;
  /** The current token; `refresh` asks for a new one (to renew before expiry, or after an expiry or rejection close). */
  token(refresh: boolean): Promise<string>;
  backoff?: BackoffOptions | undefined;
  /** Runs after each welcome and before the state is `connected`: the client resumes here. */
  onOpen(welcome: Extract<ServerFrame, { type: 'welcome' }>): Promise<void>;
  onFrame(frame: ServerFrame): void;
}

/** A client frame without its request id (the socket assigns one). */
export type RequestFrame = ClientFrame extends infer F ? (F extends unknown ? Omit<F, 'id'> : never) : never;
type Pending = { resolve(result: unknown): void; reject(error: Chat4AllError): void };

const OPEN = 1;

/**
 * One logical connection to the relay across any number of sockets: the state machine,
 * full-jitter backoff, heartbeat, token renewal over the open socket before the relay's
 * expiry close, token refresh on auth closes, and request/ack correlation. `state` is a
 * store the UI can bind to.
 */
export class Socket {
  readonly state = new Store<ConnectionState>('idle');
  #socket: WebSocketLike | null = null;
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #renewal: ReturnType<typeof setTimeout> | undefined;
  #pending = new Map<string, Pending>();
  #nextId = 0;
  #refreshToken = false;
  /** The auth close code of the last attempt that got no welcome: the same one twice in a row is fatal. */
  #lastAuthClose: number | null = null;
  #fatal: Chat4AllError | null = null;
  readonly #options: SocketOptions;

  constructor(options: SocketOptions) {
    this.#options = options;
  }

  get fatalError(): Chat4AllError | null {
    return this.#fatal;
  }

  connect(): void {
    this.#dispatch('connect');
  }

  close(): void {
    this.#dispatch('close');
  }

  /** Connects; resolves once connected (welcome and resume done), rejects once closed for good. */
  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const state = this.state.getSnapshot();
        if (state === 'connected') {
          unsubscribe();
          resolve();
        } else if (state === 'closed') {
          unsubscribe();
          reject(this.#fatal ?? new Chat4AllError('CLIENT_CLOSED', 'The client was closed'));
        }
      };
      const unsubscribe = this.state.subscribe(check);
      this.connect();
      check();
    });
  }

  /** Skips the rest of a backoff wait (the page became visible again, the user asked). */
  retryNow(): void {
    if (this.state.getSnapshot() !== 'reconnecting') return;
    clearTimeout(this.#retryTimer);
    this.#dispatch('retry');
  }

  /** The platform's network hints (browser `online`/`offline` events). */
  setOnline(online: boolean): void {
    this.#dispatch(online ? 'online' : 'offline');
  }

  /** Sends a request and resolves with its ack's result; rejects with the error frame or CONNECTION_LOST. */
  request<F extends RequestFrame>(frame: F): Promise<ClientFrameResults[F['type']]> {
    const socket = this.#socket;
    if (!socket || socket.readyState !== OPEN) {
      return Promise.reject(new Chat4AllError('CONNECTION_LOST', 'Not connected', { retryable: true }));
    }
    const id = `r${++this.#nextId}`;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (result: unknown) => void, reject });
      socket.send(JSON.stringify({ ...frame, id }));
    });
  }

  #dispatch(event: ConnectionEvent): void {
    const from = this.state.getSnapshot();
    const to = nextConnectionState(from, event);
    if (!to || (to === from && event !== 'retry')) return;
    this.state.set(to);
    if (to === 'connecting') this.#open();
    if (to === 'reconnecting') this.#scheduleRetry();
    if (to === 'connected') this.#attempt = 0;
    if (to === 'offline' || to === 'closed' || to === 'reconnecting') this.#teardown(to === 'closed' ? 1000 : undefined);
  }

  async #open(): Promise<void> {
    let token: string;
    try {
      token = await this.#options.token(this.#refreshToken);
    } catch (error) {
      this.#fatal = new Chat4AllError('UNAUTHENTICATED', 'The token provider failed', { cause: error, retryable: false });
      this.#dispatch('fatal');
      return;
    }
    this.#refreshToken = false;
    if (this.state.getSnapshot() !== 'connecting') return;
    const WebSocketImpl = this.#options.WebSocket();
    if (!WebSocketImpl) {
      this.#fatal = new Chat4AllError(
        'BAD_REQUEST',
        'No WebSocket implementation: pass options.WebSocket (e.g. the ws package on Node 20)',
        { retryable: false },
      );
      this.#dispatch('fatal');
      return;
    }
    const base = this.#options.url.replace(/^http/, 'ws').replace(/\/$/, '');
    const socket = new WebSocketImpl(`${base}/v1/ws?v=${PROTOCOL_VERSION}&resume=1&access_token=${encodeURIComponent(token)}`);
    this.#socket = socket;
    socket.onmessage = (event) => this.#onMessage(socket, String(event.data));
    socket.onclose = (event) => this.#onClose(socket, event.code);
    socket.onerror = () => {};
  }

  #onMessage(socket: WebSocketLike, data: string): void {
    if (socket !== this.#socket) return;
    const frame = JSON.parse(data) as ServerFrame;
    if (frame.type === 'welcome') {
      this.#lastAuthClose = null;
      this.#startHeartbeat(frame.heartbeatIntervalMs);
      this.#scheduleRenewal(socket, frame.tokenExpiresAt);
      this.#options.onOpen(frame).then(
        () => {
          if (socket === this.#socket) this.#dispatch('opened');
        },
        () => socket.close(4000, 'resume failed'),
      );
      return;
    }
    if ((frame.type === 'ack' || frame.type === 'error') && frame.id !== null) {
      const pending = this.#pending.get(frame.id);
      if (pending) {
        this.#pending.delete(frame.id);
        if (frame.type === 'ack') pending.resolve(frame.result);
        else pending.reject(Chat4AllError.fromBody(frame.error));
        return;
      }
    }
    this.#options.onFrame(frame);
  }

  #onClose(socket: WebSocketLike, code: number): void {
    if (socket !== this.#socket) return;
    this.#socket = null;
    if (FATAL_CLOSE_CODES.has(code)) {
      this.#fatal = new Chat4AllError(errorCodeOfClose(code) ?? 'INTERNAL', `Closed with ${code}`, { retryable: false });
      this.#dispatch('fatal');
      return;
    }
    if (code === ERROR_RULES.TOKEN_EXPIRED.closeCode || code === ERROR_RULES.UNAUTHENTICATED.closeCode) {
      // A fresh token is worth one immediate try; refused the same way twice in a row, the token source is broken.
      this.#refreshToken = true;
      if (code === this.#lastAuthClose) {
        this.#fatal = new Chat4AllError(
          code === ERROR_RULES.TOKEN_EXPIRED.closeCode ? 'TOKEN_EXPIRED' : 'UNAUTHENTICATED',
          code === ERROR_RULES.TOKEN_EXPIRED.closeCode ? 'The token provider gave an expired token again' : 'The relay refused the token',
          { retryable: false },
        );
        this.#dispatch('fatal');
        return;
      }
      this.#lastAuthClose = code;
      this.#attempt = 0;
    }
    this.#dispatch('lost');
  }

  #scheduleRetry(): void {
    clearTimeout(this.#retryTimer);
    const delay = this.#refreshToken && this.#attempt === 0 ? 0 : backoffDelay(this.#attempt, this.#options.backoff);
    this.#attempt++;
    this.#retryTimer = setTimeout(() => this.#dispatch('retry'), delay);
  }

  /**
   * Renews the token over the open socket before the relay closes it at expiry. A renewal
   * that fails or brings no later expiry (a fixed token) is left alone: the relay's 4440
   * close then makes the client reconnect with a fresh token.
   */
  #scheduleRenewal(socket: WebSocketLike, expiresAt: string | null, previous?: number): void {
    clearTimeout(this.#renewal);
    if (expiresAt === null) return;
    const at = Date.parse(expiresAt);
    if (previous !== undefined && !(at > previous)) return;
    const renew = () => this.#renew(socket, at).catch(() => {});
    this.#renewal = setTimeout(renew, renewalDelay(at, Date.now()));
  }

  async #renew(socket: WebSocketLike, current: number): Promise<void> {
    if (socket !== this.#socket) return;
    const token = await this.#options.token(true);
    if (socket !== this.#socket) return;
    const { expiresAt } = await this.request({ type: 'auth', token });
    if (socket === this.#socket) this.#scheduleRenewal(socket, expiresAt, current);
  }

  #startHeartbeat(intervalMs: number): void {
    clearInterval(this.#heartbeat);
    this.#heartbeat = setInterval(() => {
      const socket = this.#socket;
      if (!socket) return;
      // No answer to a ping within one interval: the relay (or the path to it) is gone.
      const timeout = setTimeout(() => socket.close(4000, 'heartbeat timeout'), intervalMs);
      this.request({ type: 'ping' }).then(
        () => clearTimeout(timeout),
        () => clearTimeout(timeout),
      );
    }, intervalMs);
  }

  #teardown(code?: number): void {
    clearInterval(this.#heartbeat);
    clearTimeout(this.#renewal);
    if (this.state.getSnapshot() === 'closed' || this.state.getSnapshot() === 'offline') clearTimeout(this.#retryTimer);
    const socket = this.#socket;
    this.#socket = null;
    if (socket && socket.readyState <= OPEN) socket.close(code ?? 1000);
    const lost = new Chat4AllError('CONNECTION_LOST', 'The connection was lost before the relay answered', { retryable: true });
    for (const pending of this.#pending.values()) pending.reject(lost);
    this.#pending.clear();
  }
}
