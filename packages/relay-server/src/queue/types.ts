export interface WorkItem<T> {
  /** Stable across redeliveries of the same item, so handlers can use it as an idempotency key. */
  id: string;
  payload: T;
}

/**
 * Work done once per item by one of many workers: in-process when the relay is embedded
 * (`MemoryWorkQueue`), a Redis Streams consumer group when it is scaled (`RedisWorkQueue`).
 */
export interface WorkQueue<T> {
  enqueue(payload: T): Promise<string>;
  /** Runs `handler` for each item until `stop()`. A rejected handler leaves the item to be done again later. */
  work(handler: (item: WorkItem<T>) => Promise<void>): { stop(): Promise<void> };
  close(): Promise<void>;
}
