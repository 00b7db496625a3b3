import { randomUUID } from 'node:crypto';
import {
  type Attributes,
  type Context,
  context,
  type Link,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { LRUCache } from 'lru-cache';
import type { RelayConfig } from '../config.js';

export { type Attributes, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode };

/** What a span starts with: its kind, attributes, links, and a parent other than the active context. */
export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  links?: Link[];
  /** The parent, when it is not the active context (a `traceparent` carried by the bus, a queue item or a row). */
  parent?: Context;
}

type Carrier = Record<string, string>;
const setter: TextMapSetter<Carrier> = {
  set(carrier, key, value) {
    carrier[key] = value;
  },
};
const getter: TextMapGetter<Carrier> = { keys: (carrier) => Object.keys(carrier), get: (carrier, key) => carrier[key] };
const propagator = new W3CTraceContextPropagator();

/** The trace contexts of what happened before (a committed message's), kept until the work done for it is queued. */
const REMEMBERED = { max: 50_000, ttl: 60_000 };

let contextManager: 'ours' | 'theirs' | undefined;

/**
 * Spans find their parent in the active context, which OpenTelemetry keeps in AsyncLocalStorage
 * once a context manager is set: set once per process, and only when the app has not set its own.
 */
function useContextManager(): void {
  if (contextManager) return;
  const ours = new AsyncLocalStorageContextManager().enable();
  if (context.setGlobalContextManager(ours)) contextManager = 'ours';
  else {
    ours.disable();
    contextManager = 'theirs';
  }
}

/**
 * The relay's spans, over OpenTelemetry's API. Off (`enabled` false), every method runs its
 * function and nothing else, so the message path pays nothing for tracing it does not do.
 * On, a span's function runs in its context (AsyncLocalStorage), so the spans and log lines
 * it leads to are its children without being handed the span.
 *
 * Across processes the context travels as a W3C `traceparent`: on bus envelopes, on dispatch
 * queue items, and in the header of app webhook calls.
 */
export class Tracing {
  readonly enabled: boolean;
  readonly #tracer: Tracer;
  readonly #remembered = new LRUCache<string, string>(REMEMBERED);

  constructor(provider: TracerProvider | undefined) {
    this.enabled = provider !== undefined;
    this.#tracer = (provider ?? trace.getTracerProvider()).getTracer('@chat4all/relay-server');
    if (this.enabled) useContextManager();
  }

  /** Runs `fn` in a new span, ended when `fn` settles; an error thrown ends it with status ERROR. */
  span<T>(name: string, options: SpanOptions, fn: (span: Span | undefined) => Promise<T>): Promise<T> {
    return this.enabled ? this.#span(name, options, fn) : fn(undefined);
  }

  async #span<T>(name: string, options: SpanOptions, fn: (span: Span | undefined) => Promise<T>): Promise<T> {
    const { span, active } = this.#open(name, options);
    try {
      return await context.with(active, () => fn(span));
    } catch (error) {
      throw failed(span, error);
    } finally {
      span.end();
    }
  }

  /** A new span, child of `options.parent` or the active context, and the context it is active in. */
  #open(name: string, options: SpanOptions): { span: Span; active: Context } {
    const parent = options.parent ?? context.active();
    const span = this.#tracer.startSpan(name, { kind: options.kind, attributes: options.attributes, links: options.links }, parent);
    return { span, active: trace.setSpan(parent, span) };
  }

  /** `span` for work that does not wait: `fn` runs and its span ends before this returns. */
  spanSync<T>(name: string, options: SpanOptions, fn: (span: Span | undefined) => T): T {
    if (!this.enabled) return fn(undefined);
    const { span, active } = this.#open(name, options);
    try {
      return context.with(active, () => fn(span));
    } catch (error) {
      throw failed(span, error);
    } finally {
      span.end();
    }
  }

  /**
   * Runs `fn` (the rest of an HTTP request's handling) with `span` active, and binds the
   * request's and reply's streams to it: their listeners (the body being read) run in the
   * span's context too, not in the socket's.
   */
  request<T>(span: Span | undefined, emitters: readonly NodeJS.EventEmitter[], fn: () => T): T {
    if (!span) return fn();
    const active = trace.setSpan(context.active(), span);
    for (const emitter of emitters) context.bind(active, emitter);
    return context.with(active, fn);
  }

  /**
   * A `fetch` whose calls are client spans (`POST graph.facebook.com`) with the method, host and
   * status, children of the active span. Paths stay out: a platform's carries credentials (a
   * Telegram bot token).
   */
  fetch(fetcher: typeof fetch): typeof fetch {
    if (!this.enabled) return fetcher;
    return (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
      const attributes = { 'http.request.method': method, 'server.address': url.hostname, 'url.scheme': url.protocol.slice(0, -1) };
      return this.span(`${method} ${url.hostname}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
        const response = await fetcher(input, init);
        span?.setAttribute('http.response.status_code', response.status);
        if (response.status >= 400) span?.setStatus({ code: SpanStatusCode.ERROR });
        return response;
      });
    };
  }

  /** Adds attributes to the active span (what a span learns on its way: the channel a dispatch goes out on). */
  annotate(attributes: Attributes): void {
    if (this.enabled) trace.getSpan(context.active())?.setAttributes(attributes);
  }

  /** Starts a span the caller ends (an HTTP request's, ended with its response); undefined when off. */
  start(name: string, options: SpanOptions): Span | undefined {
    return this.enabled ? this.#open(name, options).span : undefined;
  }

  /**
   * `fn`, run outside whatever context calls it: for loops that any caller may wake (the
   * dispatcher's poll, the webhook drain), whose work is not the waker's.
   */
  detached<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
    return this.enabled ? context.bind(ROOT_CONTEXT, fn) : fn;
  }

  /** Runs `fn` with `span` as the active span. */
  within<T>(span: Span | undefined, fn: () => T): T {
    if (!span) return fn();
    return context.with(trace.setSpan(context.active(), span), fn);
  }

  /**
   * Spans for a group commit's batches (`name`, with the batch size), each the child of its first
   * input's span and linked to every input's; undefined when off.
   */
  batches(name: string): { capture(): unknown; run<T>(captured: readonly unknown[], commit: () => Promise<T>): Promise<T> } | undefined {
    if (!this.enabled) return undefined;
    return {
      capture: () => trace.getSpanContext(context.active()),
      run: (captured, commit) => {
        const contexts = captured.filter((c): c is SpanContext => c !== undefined);
        const first = contexts[0];
        return this.span(
          name,
          {
            parent: first ? trace.setSpanContext(ROOT_CONTEXT, first) : ROOT_CONTEXT,
            links: contexts.map((spanContext) => ({ context: spanContext })),
            attributes: { 'chat4all.batch.size': captured.length },
          },
          commit,
        );
      },
    };
  }

  /** The active context as a `traceparent` header value, when there is a span to carry. */
  traceparent(): string | undefined {
    if (!this.enabled) return undefined;
    const carrier: Carrier = {};
    propagator.inject(context.active(), carrier, setter);
    return carrier.traceparent;
  }

  /** The context a `traceparent` (and `tracestate`) names; the root context for one absent or malformed. */
  extract(traceparent: string | undefined, tracestate?: string): Context {
    if (!traceparent) return ROOT_CONTEXT;
    const carrier: Carrier = { traceparent };
    if (tracestate) carrier.tracestate = tracestate;
    return propagator.extract(ROOT_CONTEXT, carrier, getter);
  }

  /** Keeps the active context under `key` (a message id) for work queued on its behalf by this node shortly after. */
  remember(key: string): void {
    const traceparent = this.traceparent();
    if (traceparent) this.#remembered.set(key, traceparent);
  }

  /** What `remember` kept under `key`. */
  recall(key: string): string | undefined {
    return this.enabled ? this.#remembered.get(key) : undefined;
  }
}

/** Marks `span` as failed with `error`, and returns the error to throw on. */
function failed(span: Span, error: unknown): unknown {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : undefined });
  return error;
}

/** The active span's trace and span ids, for each log line (pino's `mixin`); none outside a span. */
export function traceFields(): Record<string, string> {
  const spanContext = trace.getSpanContext(context.active());
  if (!spanContext) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

/** What the relay opened for tracing: the spans' entry point, and what flushes and stops the export on close. */
export interface OpenedTracing {
  tracing: Tracing;
  close(): Promise<void>;
}

/**
 * Tracing as the config describes it: off by default; on, spans are exported over OTLP/HTTP
 * in batches (to `tracing.otlp.url`, or where the standard `OTEL_EXPORTER_OTLP_*` variables
 * say), sampled per trace at `tracing.sampleRatio` unless the caller's `traceparent` decided.
 * A provider given by the embedder (its own exporter, or an in-memory one in tests) replaces
 * the export, and the embedder shuts it down.
 */
export async function openTracing(config: RelayConfig, provider?: TracerProvider): Promise<OpenedTracing> {
  if (provider) return { tracing: new Tracing(provider), close: async () => {} };
  if (!config.tracing.enabled) return { tracing: new Tracing(undefined), close: async () => {} };
  const [
    { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler },
    { OTLPTraceExporter },
    { resourceFromAttributes },
  ] = await Promise.all([
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const { serviceName, sampleRatio, otlp } = config.tracing;
  const exporter = new OTLPTraceExporter({ ...(otlp.url && { url: otlp.url }), ...(otlp.headers && { headers: otlp.headers }) });
  const own = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName, 'service.instance.id': randomUUID() }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(sampleRatio) }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  return { tracing: new Tracing(own), close: () => own.shutdown() };
}
