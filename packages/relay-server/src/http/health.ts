import { Health, Readiness } from '@chat4all/protocol';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { RelayError } from '../errors.js';
import type { Store } from '../store/types.js';

/** `/healthz`: the process answers. `/readyz`: it can reach its store and is not shutting down. */
export const healthPlugin = fp(
  async (app: FastifyInstance, { store }: { store: Pick<Store, 'ping'> }) => {
    app.get('/healthz', { schema: { response: { 200: Health } } }, async () => ({ status: 'ok' }));
    app.get('/readyz', { schema: { response: { 200: Readiness } } }, async () => {
      if (app.closing) throw new RelayError('SHUTTING_DOWN');
      try {
        await store.ping();
      } catch (error) {
        throw new RelayError('NOT_READY', 'Store is unreachable', { cause: error });
      }
      return { status: 'ready' };
    });
  },
  { name: 'chat4all-health', dependencies: ['chat4all-app'] },
);
