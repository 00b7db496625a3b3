import { Health, Readiness } from '@chat4all/protocol';
import type { FastifyInstance } from 'fastify';
import type { RelayContext } from '../context.js';
import { RelayError } from '../errors.js';

/** `/healthz`: the process answers. `/readyz`: it can reach its store and is not shutting down. */
export async function healthRoutes(app: FastifyInstance, { ctx }: { ctx: RelayContext }): Promise<void> {
  app.get('/healthz', { schema: { response: { 200: Health } } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { response: { 200: Readiness } } }, async () => {
    if (ctx.closing) throw new RelayError('SHUTTING_DOWN');
    try {
      await ctx.store.ping();
    } catch (error) {
      throw new RelayError('NOT_READY', 'Store is unreachable', { cause: error });
    }
    return { status: 'ready' };
  });
}
