import type { BackoffOptions } from './connection/machine.js';
import type { WebSocketConstructor } from './connection/socket.js';
import type { OutboxStorage } from './outbox/storage.js';

export interface ClientOptions {
  /** The relay's base URL, `http(s)://host:port`. */
  url: string;
  /** A fixed user token. Give this or `tokenProvider`. */
  token?: string;
  /** Returns a fresh user token; called at start, before expiry and after the relay rejects one. */
  tokenProvider?: () => string | Promise<string>;
  /** Where unsent messages survive a reload or restart. @default IndexedDBOutboxStorage in browsers, MemoryOutboxStorage elsewhere */
  storage?: OutboxStorage;
  /** WebSocket implementation, for Node 20 (`import WebSocket from 'ws'`). @default globalThis.WebSocket */
  WebSocket?: WebSocketConstructor | (new (url: string) => object);
  /** Reconnect backoff. @default { baseMs: 250, maxMs: 30000 } */
  backoff?: BackoffOptions;
  /** Newest messages to load for a conversation the client does not hold yet. @default 50 */
  newConversationMessages?: number;
  /**
   * `INTERNAL` errors the relay may answer to one message before the client marks it
   * `failed` (with `error.code: 'INTERNAL'`; `retry(id)` sends it again). @default 5
   */
  maxInternalErrors?: number;
  /** Where the client reports failures it recovers from on its own (a receipt or list refresh that failed). @default silent */
  logger?: Logger;
}

export interface Logger {
  warn(message: string, error?: unknown): void;
}
