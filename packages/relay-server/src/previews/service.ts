import type { LinkPreview, Message } from '@chat4all/protocol';
import { BulkheadRejectedError, bulkhead } from 'cockatiel';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { Publisher } from '../bus/node-events.js';
import type { RelayConfig } from '../config.js';
import { RelayError } from '../errors.js';
import { assertPublicUrl, parseHttpUrl, publicOnly } from '../http/public-addresses.js';
import type { RelayMetrics } from '../observability/metrics.js';
import type { Store } from '../store/types.js';
import { linksIn } from './links.js';
import { type UnfurlOptions, UnfurlRefused, unfurl } from './unfurl.js';

/** Links waiting for a free fetch beyond those being fetched; more get no preview. */
const WAITING = 1000;

export interface PreviewServiceDeps {
  store: Pick<Store, 'messages'>;
  bus: Publisher;
  config: RelayConfig['previews'];
  log: Pick<Logger, 'warn' | 'error' | 'debug'>;
  metrics: Pick<RelayMetrics, 'linkPreviews'>;
}

/** What a link gave, cached as it is: a preview, or none (so a failing page is not asked again at once). */
interface Found {
  preview: LinkPreview | null;
}

/**
 * Link previews: after a message is appended or edited, the first links of its text are
 * unfurled off the message path (the send was acked already), each through the address guard,
 * at most `concurrency` at once per node, each URL's outcome cached per node for
 * `cacheSeconds` (in memory, not in the store: the preview is stored on the message, so the
 * cache only spares a page being fetched again for the next message that links it). What is found is stored on the message only if its text is still the one the
 * links came from, and reaches members as `message.updated`. A link that fails gets no preview;
 * it is logged and counted, never reported to the sender.
 */
export class PreviewService {
  readonly #cache: LRUCache<string, Found> | null;
  readonly #fetching: ReturnType<typeof bulkhead>;
  readonly #closing = new AbortController();
  readonly #pending = new Set<Promise<void>>();
  readonly #unfurling: UnfurlOptions;

  constructor(private readonly deps: PreviewServiceDeps) {
    const { config } = deps;
    this.#fetching = bulkhead(config.concurrency, WAITING);
    this.#cache =
      config.cacheSeconds > 0
        ? new LRUCache<string, Found>({
            max: config.cacheEntries,
            ttl: config.cacheSeconds * 1000,
            fetchMethod: (url) => this.#find(url),
          })
        : null;
    this.#unfurling = {
      ...(config.allowPrivateAddresses
        ? { guard: async (url: string) => parseHttpUrl(url) }
        : { guard: (url: string) => assertPublicUrl(url, 'previews.allowPrivateAddresses'), dispatcher: publicOnly() }),
      timeoutMs: config.timeoutMs,
      maxBytes: config.maxBytes,
      maxRedirects: config.maxRedirects,
      signal: this.#closing.signal,
    };
  }

  /** Starts finding the previews of a message just appended or edited; returns at once. */
  follow(message: Message): void {
    if (!this.deps.config.enabled || message.deletedAt) return;
    const work = this.preview(message).catch((err: unknown) =>
      this.deps.log.error({ err, messageId: message.id }, 'link previews of a message failed'),
    );
    this.#pending.add(work);
    void work.finally(() => this.#pending.delete(work));
  }

  /** Finds the previews of the message's links and stores them, if they differ from those it has. */
  async preview(message: Message): Promise<void> {
    const links = linksIn(message.text, this.deps.config.maxPerMessage);
    if (links.length === 0 && message.previews.length === 0) return;
    const found = await Promise.all(links.map((link) => this.#lookup(link)));
    const previews = found.filter((preview): preview is LinkPreview => preview !== null);
    if (JSON.stringify(previews) === JSON.stringify(message.previews)) return;
    const { conversationId, id, text } = message;
    const stored = await this.deps.store.messages.setPreviews(conversationId, id, text, previews, Date.now());
    if (!stored) return;
    await this.deps.bus.publish({
      kind: 'conversation',
      conversationId,
      event: { type: 'message.updated', message: stored.message, eventSeq: stored.eventSeq },
    });
  }

  /** Resolves once the previews being found now are stored (or given up). */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }

  /** Stops the fetches in flight and waits for what they leave to finish. */
  async close(): Promise<void> {
    this.#closing.abort();
    await this.flush();
  }

  async #lookup(link: string): Promise<LinkPreview | null> {
    try {
      const found = this.#cache ? await this.#cache.fetch(link) : await this.#find(link);
      return found?.preview ?? null;
    } catch (err) {
      // Not cached: no room to wait for a fetch, or the relay is closing.
      this.deps.metrics.linkPreviews.inc({ outcome: 'skipped' });
      this.deps.log.debug({ err, link }, 'a link was not looked up for a preview');
      return null;
    }
  }

  /** One link's preview, or none: refusals and failures are logged, counted and cached as none. */
  async #find(link: string): Promise<Found> {
    const { metrics, log } = this.deps;
    try {
      const preview = await this.#fetching.execute(() => unfurl(link, this.#unfurling));
      metrics.linkPreviews.inc({ outcome: preview ? 'found' : 'none' });
      return { preview };
    } catch (err) {
      if (err instanceof BulkheadRejectedError || this.#closing.signal.aborted) throw err;
      // The guard's refusals come thrown before a call, or as the cause of a connection it ended.
      const refused = err instanceof UnfurlRefused || err instanceof RelayError || (err as { cause?: unknown }).cause instanceof RelayError;
      metrics.linkPreviews.inc({ outcome: refused ? 'refused' : 'failed' });
      log.warn({ err: refused ? (err as Error).message : err, link }, 'no preview for a link');
      return { preview: null };
    }
  }
}
