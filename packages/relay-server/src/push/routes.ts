import { Device, DeviceList, Id, PushInfo, PushPreferences, RegisterDeviceBody, UpdatePushPreferencesBody } from '@chat4all/protocol';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { userIdOf } from '../http/auth-hook.js';
import { NoContent } from '../http/openapi.js';
import type { DeviceService } from './devices.js';
import type { PushPreferencesService } from './preferences.js';

const DeviceParams = Type.Object({ id: Id });

export interface DeviceRoutesOptions {
  devices: DeviceService;
  /** What `GET /v1/push` answers: fixed by the configuration. */
  info: PushInfo;
}

export async function deviceRoutes(plain: FastifyInstance, { devices, info }: DeviceRoutesOptions): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/v1/push', { config: { auth: 'user' }, schema: { response: { 200: PushInfo } } }, async () => info);

  app.post(
    '/v1/me/devices',
    { config: { auth: 'user' }, schema: { body: RegisterDeviceBody, response: { 200: Device, 201: Device } } },
    async (request, reply) => {
      const { device, created } = await devices.register(userIdOf(request), request.body);
      return reply.status(created ? 201 : 200).send(device);
    },
  );
  app.get('/v1/me/devices', { config: { auth: 'user' }, schema: { response: { 200: DeviceList } } }, async (request) => ({
    devices: await devices.list(userIdOf(request)),
  }));
  app.delete(
    '/v1/me/devices/:id',
    { config: { auth: 'user' }, schema: { params: DeviceParams, response: { 204: NoContent } } },
    async (request, reply) => {
      await devices.remove(userIdOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
}

export async function pushPreferenceRoutes(
  plain: FastifyInstance,
  { preferences }: { preferences: PushPreferencesService },
): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/v1/me/push-preferences', { config: { auth: 'user' }, schema: { response: { 200: PushPreferences } } }, async (request) =>
    preferences.get(userIdOf(request)),
  );
  app.put(
    '/v1/me/push-preferences',
    { config: { auth: 'user' }, schema: { body: UpdatePushPreferencesBody, response: { 200: PushPreferences } } },
    async (request) => preferences.update(userIdOf(request), request.body),
  );
}
