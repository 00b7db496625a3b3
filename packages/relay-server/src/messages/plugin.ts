import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { RelayConfig } from '../config.js';
import { isStoreUnavailable } from '../errors.js';
import { GroupCommit } from '../store/group-commit.js';
import type { AppendInput, ReceiptInput, Store } from '../store/types.js';
import { appendPlan } from './append-plan.js';
import { moveHorizons } from './receipts.js';
import { messageRoutes } from './routes.js';
import { MessageService } from './service.js';
import { ThreadService } from './threads.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The message path: sends, history, edits, deletes, reactions and receipts. */
    messages: MessageService;
    /** Threads' pages and their members' read horizons. */
    threads: ThreadService;
  }
}

export interface MessagesPluginOptions {
  limits: RelayConfig['limits'];
  store: Store;
}

/**
 * Messages: sends and receipts committed in batches (group commit), after conversations and
 * uploads, whose services it uses. `messages.flush()` commits what waits for its batch.
 */
export const messagesPlugin = fp(
  async (app: FastifyInstance, { limits, store }: MessagesPluginOptions) => {
    const { metrics, logger: log } = app;
    const onCommit = (size: number, durationMs: number) => {
      metrics.commitBatchSize.observe(size);
      metrics.commitSeconds.observe(durationMs / 1000);
    };
    const batching = { maxBatch: limits.commitBatchMax, onCommit, isolates: (error: unknown) => !isStoreUnavailable(error) };
    const { tracing } = app;
    const messages = new MessageService(store, app.nodeEvents, app.conversations, {
      limits,
      appends: new GroupCommit((batch: AppendInput[]) => store.messages.append(batch, appendPlan), {
        ...batching,
        traced: tracing.batches('chat4all.commit appends'),
      }),
      receipts: new GroupCommit((batch: ReceiptInput[]) => store.messages.applyReceipts(batch, moveHorizons), {
        ...batching,
        traced: tracing.batches('chat4all.commit receipts'),
      }),
      tracing,
      rateLimits: app.limits,
      metrics,
      log,
      attachments: app.uploads,
      moderation: app.hasDecorator('moderation') ? app.moderation : undefined,
      safety: app.safety,
    });
    const threads = new ThreadService(store, app.conversations, app.limits, (userId) => app.safety.hiddenFor(userId));
    app.decorate('messages', messages);
    app.decorate('threads', threads);
    await app.register(messageRoutes, { messages, threads });
  },
  { name: 'chat4all-messages', dependencies: ['chat4all-app', 'chat4all-conversations', 'chat4all-safety', 'chat4all-uploads'] },
);
