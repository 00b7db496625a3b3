import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Bus } from '../bus/types.js';
import type { RelayConfig } from '../config.js';
import type { Store } from '../store/types.js';
import { privacyRoutes } from './routes.js';
import { PrivacyService } from './service.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** A person's data: exports, erasure and retention. */
    privacy: PrivacyService;
  }
}

export interface PrivacyPluginOptions {
  config: RelayConfig['privacy'];
  retention: RelayConfig['retention'];
  /** Signs links to archives. */
  linkSecret: string;
  store: Store;
  bus: Pick<Bus, 'publish'>;
}

/**
 * Exports, erasure and retention. Every node polls for exports to build and archives to
 * delete, and tries the retention sweep (which one node at a time holds); closing stops both
 * and waits for the export being built.
 */
export const privacyPlugin = fp(
  async (app: FastifyInstance, { config, retention, linkSecret, store, bus }: PrivacyPluginOptions) => {
    const log = app.logger;
    const privacy = new PrivacyService({
      store,
      uploads: app.uploads,
      messages: app.messages,
      bus,
      config,
      retention,
      linkSecret,
      rateLimits: app.limits,
      log,
      metrics: app.metrics,
    });
    app.decorate('privacy', privacy);
    const poll = setInterval(() => {
      privacy.kick();
      privacy.sweepExports().catch((err: unknown) => log.error({ err }, 'export sweep failed'));
    }, config.pollIntervalMs);
    poll.unref();
    let sweeping: Promise<unknown> | undefined;
    const sweep = setInterval(() => {
      sweeping ??= privacy
        .sweepRetention()
        .catch((err: unknown) => log.error({ err }, 'retention sweep failed'))
        .finally(() => {
          sweeping = undefined;
        });
    }, retention.sweepIntervalMs);
    sweep.unref();
    app.addHook('preClose', async () => {
      clearInterval(poll);
      clearInterval(sweep);
      await privacy.close();
      await sweeping;
    });
    await app.register(privacyRoutes, { privacy });
  },
  { name: 'chat4all-privacy', dependencies: ['chat4all-app', 'chat4all-messages', 'chat4all-uploads'] },
);
