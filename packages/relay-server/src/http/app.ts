import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Logger } from 'pino';
import { NodeEvents } from '../bus/node-events.js';
import type { Bus } from '../bus/types.js';
import type { RelayConfig } from '../config.js';
import { RelayError } from '../errors.js';
import { Limits } from '../limits/limits.js';
import { RelayMetrics } from '../observability/metrics.js';
import type { Tracing } from '../observability/tracing.js';
import type { SharedState } from '../shared/types.js';
import { isTusDiscovery, TUS_REQUEST_HEADERS, TUS_RESPONSE_HEADERS } from '../uploads/routes.js';
import { fastifyTrust } from './client-address.js';
import { errorHandling } from './errors.js';
import { jsonBodies } from './json-body.js';
import { openApi } from './openapi.js';
import { slowClientServerOptions, slowClients } from './slow-clients.js';
import { requestTracing } from './tracing.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The relay's pino logger (`log` is the same one, typed as Fastify's base logger). */
    logger: Logger;
    metrics: RelayMetrics;
    /** Spans of requests, frames and the message path; pass-throughs when tracing is off. */
    tracing: Tracing;
    /** Per-user and per-address rate limits, held in the shared state. */
    limits: Limits;
    /** Where services publish, and where features observe what this node publishes. */
    nodeEvents: NodeEvents;
    /** True once `close()` started: new work is refused with SHUTTING_DOWN. */
    readonly closing: boolean;
    /**
     * Called once the features have drained and start releasing what they hold: from then on
     * every request (one arriving on a kept-alive connection) is answered SHUTTING_DOWN.
     */
    refuseRequests(): void;
  }
}

/** What every feature shares: the config, the logger, and the infrastructure the core's parts run on. */
export interface AppOptions {
  config: RelayConfig;
  log: Logger;
  bus: Bus;
  shared: SharedState;
  tracing: Tracing;
}

/**
 * An unstarted Fastify app with what crosses every feature: request ids, JSON bodies, the
 * error body, slow-client defences, request spans, CORS, the OpenAPI document, WebSocket upgrades, and the
 * shared decorators (`logger`, `metrics`, `limits`, `tracing`, `nodeEvents`, `closing`). Features are
 * registered on it as plugins.
 */
export async function createApp(options: AppOptions): Promise<FastifyInstance> {
  const { config, log } = options;
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: config.limits.bodyMaxBytes,
    trustProxy: fastifyTrust(config.trustProxy),
    http: slowClientServerOptions(config.limits.bodyTimeoutMs),
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
    // While the relay drains, its own routes answer (`/readyz` with SHUTTING_DOWN), not Fastify's bare 503.
    return503OnClosing: false,
    // The server closes last, once every feature has drained and the store is closed: a connection
    // still open then (one accepted during the close that never sent a request) is cut, not waited for.
    forceCloseConnections: true,
  });
  await app.register(appCore, options);
  return app;
}

/** The cross-cutting part of `createApp`, as a plugin (for apps built around it, as in tests). */
export const appCore = fp(
  async (app: FastifyInstance, { config, log, bus, shared, tracing }: AppOptions) => {
    const metrics = new RelayMetrics();
    let closing = false;
    let refusing = false;
    app.decorate('logger', log);
    app.decorate('metrics', metrics);
    app.decorate('limits', new Limits(config.limits, shared, metrics, (err) => log.warn({ err }, 'rate limiter unavailable; allowing')));
    app.decorate('tracing', tracing);
    app.decorate('nodeEvents', new NodeEvents(bus, tracing));
    app.decorate('closing', { getter: () => closing });
    app.decorate('refuseRequests', () => {
      refusing = true;
    });
    // The first of the close hooks: everything after it refuses new work.
    app.addHook('preClose', async () => {
      closing = true;
    });

    // JSON only: a text/plain body is refused with UNSUPPORTED_MEDIA_TYPE rather than failing validation.
    app.removeContentTypeParser('text/plain');
    await app.register(jsonBodies);
    await app.register(requestTracing, { tracing });
    app.addHook('onRequest', async (request, reply) => {
      reply.header('x-request-id', request.id);
      if (refusing) throw new RelayError('SHUTTING_DOWN');
    });
    await app.register(errorHandling, { metrics });
    await app.register(slowClients, {
      ...config.limits,
      trustProxy: config.trustProxy,
      onRefused: (reason, address) => log.warn({ reason, address }, 'connection cut'),
    });
    // Browser apps call the HTTP API from their own origin: the same allow-list as WebSocket upgrades (empty: any).
    const corsOptions = {
      origin: config.allowedOrigins.length > 0 ? config.allowedOrigins : true,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'x-request-id', 'range', 'traceparent', 'tracestate', ...TUS_REQUEST_HEADERS],
      exposedHeaders: [
        'x-request-id',
        'retry-after',
        'content-range',
        'content-disposition',
        'content-security-policy',
        'x-content-type-options',
        'etag',
        ...TUS_RESPONSE_HEADERS,
      ],
      maxAge: 600,
    };
    // An OPTIONS without Access-Control-Request-Method is no preflight: a tus client's discovery, answered by tus.
    await app.register(
      cors,
      () => (request: FastifyRequest, done: (error: Error | null, options: typeof corsOptions | { origin: false }) => void) =>
        done(null, isTusDiscovery(request) ? { origin: false } : corsOptions),
    );
    await app.register(openApi);
    await app.register(websocket, {
      options: { maxPayload: config.limits.frameHardMaxBytes },
      // Sockets close when the realtime feature says, after what they sent is committed and acked.
      preClose: async () => {},
    });
  },
  { name: 'chat4all-app' },
);
