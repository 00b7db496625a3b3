import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { RelayConfig } from '../config.js';
import type { Store } from '../store/types.js';
import type { RedisLocker } from './redis-locker.js';
import { uploadRoutes } from './routes.js';
import { UploadService } from './service.js';
import type { UploadStorage } from './storage.js';
import { Thumbnailer } from './thumbnails.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Files: tus uploads, downloads and signed links, and the files messages carry. */
    uploads: UploadService;
  }
}

export interface UploadsPluginOptions {
  config: RelayConfig['uploads'];
  limits: Pick<RelayConfig['limits'], 'openUploadsPerUser'>;
  /** Signs links to files. */
  linkSecret: string;
  store: Store;
  storage: UploadStorage;
  /** Upload locks across nodes; tus's in-process ones when absent. */
  locker?: RedisLocker;
}

/** Files: the upload service, its routes, and the sweep of expired uploads (stopped first when the relay closes). */
export const uploadsPlugin = fp(
  async (app: FastifyInstance, { config, limits, linkSecret, store, storage, locker }: UploadsPluginOptions) => {
    const { logger: log, metrics } = app;
    const rateLimits = app.limits;
    const uploads = new UploadService(
      store,
      storage,
      config,
      linkSecret,
      locker,
      {
        starts: (userId) => rateLimits.write('upload', userId),
        bytes: (userId, size) => rateLimits.uploadBytes(userId, size),
        maxOpen: limits.openUploadsPerUser,
      },
      new Thumbnailer(config.thumbnails, storage, log),
    );
    app.decorate('uploads', uploads);
    const sweep = setInterval(() => {
      uploads.sweep().catch((err: unknown) => log.error({ err }, 'upload sweep failed'));
    }, config.sweepIntervalMs);
    sweep.unref();
    app.addHook('preClose', async () => clearInterval(sweep));
    await app.register(uploadRoutes, { uploads, config, metrics, log });
  },
  { name: 'chat4all-uploads', dependencies: ['chat4all-app'] },
);
