import { type ReadableStore, Store } from './store.js';

/** A signed link is asked for again this long before it expires. */
const RENEW_MARGIN_MS = 30_000;

interface Link {
  url: string;
  expiresAt: number;
}

/**
 * Short-lived signed links to uploaded files, as the relay hands them to members
 * (`POST /v1/uploads/:id/link`): no token ever goes in a URL. A link is reused until shortly
 * before it expires; a store per file keeps the current link for a UI and renews it while
 * someone listens. Links and stores nobody uses any more are forgotten, so scrolling through
 * a long history does not keep every file's link.
 */
export class FileLinks {
  readonly #links = new Map<string, Promise<Link>>();
  readonly #stores = new Map<string, ReadableStore<string | null>>();
  readonly #request: (uploadId: string) => Promise<{ url: string; expiresAt: string }>;
  readonly #baseUrl: string;
  readonly #now: () => number;

  constructor(request: (uploadId: string) => Promise<{ url: string; expiresAt: string }>, baseUrl: string, now: () => number = Date.now) {
    this.#request = request;
    this.#baseUrl = baseUrl;
    this.#now = now;
  }

  /** The file's current link (absolute URL). */
  async url(uploadId: string): Promise<string> {
    return (await this.#link(uploadId)).url;
  }

  /** The file's link for a UI: `null` until the first one arrives, then renewed before each expires while subscribed. */
  store(uploadId: string): ReadableStore<string | null> {
    let store = this.#stores.get(uploadId);
    if (!store) {
      store = this.#watch(uploadId);
      this.#stores.set(uploadId, store);
    }
    return store;
  }

  #link(uploadId: string): Promise<Link> {
    const cached = this.#links.get(uploadId);
    if (cached) return cached.then((link) => (this.#fresh(link) ? link : this.#fetch(uploadId)));
    return this.#fetch(uploadId);
  }

  #fresh(link: Link): boolean {
    return link.expiresAt - this.#now() > RENEW_MARGIN_MS;
  }

  #fetch(uploadId: string): Promise<Link> {
    const pending = this.#request(uploadId).then(({ url, expiresAt }) => ({
      url: `${this.#baseUrl}${url}`,
      expiresAt: Date.parse(expiresAt),
    }));
    this.#links.set(uploadId, pending);
    const forget = () => {
      if (this.#links.get(uploadId) === pending) this.#links.delete(uploadId);
    };
    // A failed request is forgotten at once, so the next asks again; a link once it has expired.
    pending.then((link) => unref(setTimeout(forget, Math.max(0, link.expiresAt - this.#now()))), forget);
    return pending;
  }

  #watch(uploadId: string): ReadableStore<string | null> {
    const value = new Store<string | null>(null);
    let listeners = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const refresh = () => {
      this.#link(uploadId).then(
        (link) => {
          value.set(link.url);
          clearTimeout(timer);
          if (listeners > 0) timer = setTimeout(refresh, Math.max(1_000, link.expiresAt - this.#now() - RENEW_MARGIN_MS));
        },
        () => {
          // Not a member any more, or offline: the UI keeps showing no link; a new subscriber asks again.
        },
      );
    };
    const store: ReadableStore<string | null> = {
      getSnapshot: value.getSnapshot,
      subscribe: (listener) => {
        const unsubscribe = value.subscribe(listener);
        if (listeners++ === 0) refresh();
        return () => {
          unsubscribe();
          if (--listeners > 0) return;
          clearTimeout(timer);
          // Nobody shows this file now: the next who does starts from the cached link, if still fresh.
          if (this.#stores.get(uploadId) === store) this.#stores.delete(uploadId);
        };
      },
    };
    return store;
  }
}

/**
 * The link to a file's thumbnail (`attachment.thumbnail` not null) from the file's signed link:
 * the relay serves it at the file's path plus `/thumbnail`, under the same signature.
 */
export function thumbnailUrl(fileUrl: string): string {
  return fileUrl.replace('?', '/thumbnail?');
}

/** In Node, a timer that only tidies up must not keep the process alive. */
function unref(timer: ReturnType<typeof setTimeout>): void {
  (timer as { unref?: () => void }).unref?.();
}
