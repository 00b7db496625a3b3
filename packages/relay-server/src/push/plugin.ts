import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { RelayConfig } from '../config.js';
import type { SharedState } from '../shared/types.js';
import type { Store } from '../store/types.js';
import { DeviceService } from './devices.js';
import { deviceRoutes } from './routes.js';
import { PushSender } from './sender.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Each user's push devices (`/v1/me/devices`). */
    devices: DeviceService;
    /** Pushes (Web Push, FCM, APNs) to members away from every socket, after each new message when `push.enabled`. */
    push: PushSender;
  }
}

export interface PushPluginOptions {
  config: RelayConfig['push'];
  store: Store;
  shared: SharedState;
}

/**
 * Push devices, registered whether or not `push.enabled` (so apps can register before the
 * operator turns sending on), and the pushes sent after messages, whose appends it follows.
 * Closing stops the pushes in flight before the store closes.
 */
export const pushPlugin = fp(
  async (app: FastifyInstance, { config, store, shared }: PushPluginOptions) => {
    const devices = new DeviceService(store, { config, rateLimits: app.limits });
    const push = new PushSender({ store, shared, config, log: app.logger, metrics: app.metrics });
    app.decorate('devices', devices);
    app.decorate('push', push);
    const stopObserving = app.messages.observe({ appended: (message) => push.follow(message) });
    app.addHook('preClose', async () => {
      stopObserving();
      await push.close();
    });
    await app.register(deviceRoutes, { devices });
  },
  { name: 'chat4all-push', dependencies: ['chat4all-app', 'chat4all-messages'] },
);
