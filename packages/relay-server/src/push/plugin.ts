import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { RelayConfig } from '../config.js';
import type { Store } from '../store/types.js';
import { DeviceService } from './devices.js';
import { deviceRoutes } from './routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Each user's push devices (`/v1/me/devices`). */
    devices: DeviceService;
  }
}

export interface PushPluginOptions {
  config: RelayConfig['push'];
  store: Store;
}

/** Push devices: each user registers the devices that are to get their push notifications. */
export const pushPlugin = fp(
  async (app: FastifyInstance, { config, store }: PushPluginOptions) => {
    const devices = new DeviceService(store, { config, rateLimits: app.limits });
    app.decorate('devices', devices);
    await app.register(deviceRoutes, { devices });
  },
  { name: 'chat4all-push', dependencies: ['chat4all-app'] },
);
