import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { plainText } from './openapi.js';

/** `/metrics`: the relay's Prometheus metrics. */
export const metricsPlugin = fp(
  async (app: FastifyInstance) => {
    const { registry } = app.metrics;
    app.get(
      '/metrics',
      { schema: { response: { 200: plainText('Prometheus metrics, in the text exposition format') } } },
      async (_request, reply) => reply.header('content-type', registry.contentType).send(await registry.metrics()),
    );
  },
  { name: 'chat4all-metrics', dependencies: ['chat4all-app'] },
);
