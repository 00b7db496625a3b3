import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { RelayError, toRelayError } from '../errors.js';
import type { RelayMetrics } from '../observability/metrics.js';

/** Every HTTP error leaves as `{ code, message, retryable, details? }` with the code's status. */
export const errorHandling = fp(
  async (app: FastifyInstance, { metrics }: { metrics: RelayMetrics }) => {
    app.setErrorHandler((error, request, reply) => {
      const relayError = toRelayError(error);
      metrics.errors.inc({ code: relayError.code, transport: 'http' });
      if (relayError.code === 'INTERNAL') request.log.error({ err: error }, 'request failed');
      else request.log.info({ code: relayError.code }, relayError.message);
      const retryAfterMs = (relayError.details as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
      if (typeof retryAfterMs === 'number') void reply.header('retry-after', Math.max(1, Math.ceil(retryAfterMs / 1000)));
      void reply.status(relayError.status).send(relayError.toBody());
    });
    app.setNotFoundHandler((request, reply) => {
      const error = new RelayError('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`);
      metrics.errors.inc({ code: error.code, transport: 'http' });
      void reply.status(error.status).send(error.toBody());
    });
  },
  { name: 'chat4all-errors' },
);
