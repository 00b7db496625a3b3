import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { RelayConfig } from '../config.js';
import type { SharedState } from '../shared/types.js';
import type { Store } from '../store/types.js';
import { DeviceService } from './devices.js';
import { PushPreferencesService } from './preferences.js';
import { deviceRoutes, pushPreferenceRoutes } from './routes.js';
import { PushSender } from './sender.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Each user's push devices (`/v1/me/devices`). */
    devices: DeviceService;
    /** Pushes (Web Push, FCM, APNs) to members who are away, after each new message and each read, when `push.enabled`. */
    push: PushSender;
    /** Each user's push preferences (`/v1/me/push-preferences`). */
    pushPreferences: PushPreferencesService;
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
    const pushPreferences = new PushPreferencesService(store, { config, rateLimits: app.limits });
    app.decorate('push', push);
    app.decorate('pushPreferences', pushPreferences);
    const stopObserving = app.messages.observe({
      appended: (message) => push.follow(message),
      read: (conversationId, userId, readSeq) => push.followRead(conversationId, userId, readSeq),
    });
    app.addHook('preClose', async () => {
      stopObserving();
      await push.close();
    });
    // The public key is given even while sending is off, so browsers can subscribe ahead of it.
    const info = { enabled: config.enabled, vapidPublicKey: config.vapid.publicKey ?? null };
    await app.register(deviceRoutes, { devices, info });
    await app.register(pushPreferenceRoutes, { preferences: pushPreferences });
  },
  { name: 'chat4all-push', dependencies: ['chat4all-app', 'chat4all-messages'] },
);
