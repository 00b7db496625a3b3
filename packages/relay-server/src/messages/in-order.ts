/**
 * Work that starts at once but settles in the order it was asked for, per key. The checks
 * before a send (rate limits, safety, files, moderation) ask the store, Redis or the app's
 * before-send hook, whose answers come back in any order, while one conversation's sends must
 * reach the append in the order they came (a socket's frames, a bot's burst). A refusal settles
 * in its turn too, and never holds back the next.
 */
export class InOrder {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: Promise<T>): Promise<T> {
    // Handled here, so a refusal that comes before its turn is not an unhandled rejection meanwhile.
    work.catch(() => {});
    const previous = this.#tails.get(key);
    const ordered = previous
      ? previous.then(
          () => work,
          () => work,
        )
      : work;
    this.#tails.set(key, ordered);
    const forget = () => {
      if (this.#tails.get(key) === ordered) this.#tails.delete(key);
    };
    ordered.then(forget, forget);
    return ordered;
  }
}
