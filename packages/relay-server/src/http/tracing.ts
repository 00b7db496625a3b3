import type { Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { SpanKind, SpanStatusCode, type Tracing } from '../observability/tracing.js';

const spans = new WeakMap<FastifyRequest, Span>();

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * A server span per HTTP request, named by its route (`POST /v1/conversations/:id/messages`),
 * continuing the caller's trace when it sends a W3C `traceparent`. WebSocket upgrades have none:
 * each frame on the socket is a span of its own.
 */
export const requestTracing = fp(
  async (app: FastifyInstance, { tracing }: { tracing: Tracing }) => {
    if (!tracing.enabled) return;
    app.addHook('onRequest', (request, reply, done) => {
      if (request.headers.upgrade !== undefined) return done();
      const route = request.routeOptions.url;
      const query = request.url.indexOf('?');
      const span = tracing.start(route ? `${request.method} ${route}` : request.method, {
        kind: SpanKind.SERVER,
        parent: tracing.extract(header(request.headers.traceparent), header(request.headers.tracestate)),
        attributes: {
          'http.request.method': request.method,
          'url.path': query < 0 ? request.url : request.url.slice(0, query),
          ...(route && { 'http.route': route }),
          'chat4all.request_id': request.id,
        },
      });
      if (!span) return done();
      spans.set(request, span);
      // A client gone before the answer was written fires neither onResponse nor onRequestAbort.
      reply.raw.once('close', () => end(request, reply.raw.writableFinished ? reply.raw.statusCode : undefined));
      tracing.request(span, [request.raw, reply.raw], done);
    });
    const end = (request: FastifyRequest, status: number | undefined) => {
      const span = spans.get(request);
      if (!span) return;
      spans.delete(request);
      if (status !== undefined) span.setAttribute('http.response.status_code', status);
      // A 4xx is the client's error, not the server's (OpenTelemetry's HTTP server conventions).
      if (status === undefined || status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
    app.addHook('onResponse', (request, reply, done) => {
      end(request, reply.statusCode);
      done();
    });
    app.addHook('onRequestAbort', (request, done) => {
      end(request, undefined);
      done();
    });
  },
  { name: 'chat4all-request-tracing' },
);
