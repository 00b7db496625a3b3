import type { Connector, InboundEvent, OutboundMessage, SendResult, WebhookRequest } from '../types.js';
import { parseGenericInbound } from '../webhook/index.js';
import { verifyStandardWebhook } from '../webhook/standard.js';

export interface LoopbackOptions {
  /** Standard Webhooks secret for `/v1/channels/<id>/webhook` (people writing in, as the generic webhook channel takes them). */
  secret?: string;
  /** After each message: delivered after this many ms, read after twice that. @default 200 */
  statusDelayMs?: number;
  /** The contact answers each message with `echo: <text>`. @default false */
  echo?: boolean;
  /** Messages whose text contains this fail with BAD_REQUEST, as a platform refusing them would. */
  failWhen?: string;
}

/**
 * A channel for development and tests that behaves like a platform with nothing outside the
 * relay: it accepts each message (an external id `loopback-N`), then reports it delivered
 * and read, and can answer as the contact would. People "write in" by the same signed JSON
 * the generic webhook channel takes.
 */
export class LoopbackConnector implements Connector {
  readonly channel = 'loopback';
  #next = 0;
  #sink: ((events: InboundEvent[]) => Promise<unknown>) | undefined;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: LoopbackOptions = {}) {}

  async send(message: OutboundMessage): Promise<SendResult> {
    if (this.options.failWhen && message.text.includes(this.options.failWhen))
      return {
        ok: false,
        error: { code: 'BAD_REQUEST', platformCode: 'loopback', message: 'The loopback channel refuses this text', retry: 'never' },
      };
    const externalId = `loopback-${++this.#next}`;
    const delay = this.options.statusDelayMs ?? 200;
    this.#later(delay, [{ kind: 'status', externalId, status: 'delivered', at: new Date().toISOString(), error: null }]);
    this.#later(delay * 2, [{ kind: 'status', externalId, status: 'read', at: new Date().toISOString(), error: null }]);
    if (this.options.echo)
      this.#later(delay * 2, [
        {
          kind: 'message',
          externalId: `${externalId}-echo`,
          conversationKey: message.recipientId,
          from: { id: message.recipientId, name: null, username: null },
          text: `echo: ${message.text}`,
          file: null,
          sentAt: new Date().toISOString(),
          replyToExternalId: externalId,
        },
      ]);
    return { ok: true, externalId };
  }

  /** Events the channel reports on its own are handed to `sink`; returns a function that stops them. */
  listen(sink: (events: InboundEvent[]) => Promise<unknown>): () => void {
    this.#sink = sink;
    return () => {
      this.#sink = undefined;
      for (const timer of this.#timers) clearTimeout(timer);
      this.#timers.clear();
    };
  }

  verifyWebhook(request: WebhookRequest): boolean {
    return verifyStandardWebhook(this.options.secret, request);
  }

  parseWebhook(body: unknown): InboundEvent[] {
    return parseGenericInbound(body);
  }

  #later(ms: number, events: InboundEvent[]): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#sink?.(events).catch(() => {});
    }, ms);
    timer.unref();
    this.#timers.add(timer);
  }
}
