import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { fakeGraph } from '@chat4all/connectors/testing';
import { SpanKind } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { traceFields } from '../src/index.js';
import { API_KEY, appReceiver, type Received, startRelay, twoNodes } from './fixtures.js';

/** An in-memory exporter, and a way to wait for the spans a test expects to end. */
function recorder() {
  const exporter = new InMemorySpanExporter();
  const waiters = new Set<() => void>();
  const wake: SpanProcessor = {
    onStart: () => {},
    onEnd: () => {
      for (const waiter of waiters) waiter();
    },
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter), wake] });
  return {
    provider,
    spans: () => exporter.getFinishedSpans(),
    /** Resolves with the finished spans once `predicate` holds of them. */
    async until(predicate: (spans: ReadableSpan[]) => boolean): Promise<ReadableSpan[]> {
      while (!predicate(exporter.getFinishedSpans())) {
        await new Promise<void>((resolve) => {
          const waiter = () => {
            waiters.delete(waiter);
            resolve();
          };
          waiters.add(waiter);
        });
      }
      return exporter.getFinishedSpans();
    },
  };
}

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan) => span.spanContext().spanId;

function only(spans: ReadableSpan[], predicate: (span: ReadableSpan) => boolean, what: string): ReadableSpan {
  const found = spans.filter(predicate);
  if (found.length !== 1) throw new Error(`${found.length} spans for ${what}: ${spans.map((s) => s.name).join(', ')}`);
  return found[0] as ReadableSpan;
}

const ROUTE = 'POST /v1/conversations/:conversationId/messages';
const WA = { accessToken: 'EAAJB-traced', phoneNumberId: '106540352242933', appSecret: 'meta-app-secret', verifyToken: 'v' };

describe('tracing', () => {
  const closing: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const close of closing.reverse()) await close();
  });

  it('one message sent on one node is one trace: frame, append, commit batch, publish, fan-out on both nodes, dispatch to WhatsApp and the app webhook', async () => {
    const traces = recorder();
    const graph = await fakeGraph({ accessToken: WA.accessToken, phoneNumberId: WA.phoneNumberId });
    closing.push(() => graph.close());
    const receiver = await appReceiver();
    closing.push(receiver.close);
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino(
      { level: 'debug', mixin: traceFields },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString()));
          done();
        },
      }),
    );
    const channels = [{ id: 'wa', type: 'whatsapp' as const, members: ['agent', 'supervisor'], baseUrl: graph.url, ...WA }];
    const nodes = await twoNodes(
      { channels, webhooks: { allowPrivateAddresses: true } },
      { tracerProvider: traces.provider, logger },
      // Node b looks for due deliveries and webhook calls only when it starts: node a, which commits the send, queues them
      // (and either node's worker may take the dispatch from the queue).
      { config: { dispatch: { pollIntervalMs: 3_600_000 }, webhooks: { allowPrivateAddresses: true, pollIntervalMs: 3_600_000 } } },
    );
    closing.push(nodes.close);
    const { a, b } = nodes;
    graph.subscribe(`${a.url}/v1/channels/wa/webhook`, WA.appSecret);
    const hook = await a.http('POST', '/v1/webhooks', { as: API_KEY, body: { url: receiver.url, events: ['message.created'] } });
    expect(hook.status).toBe(201);
    const agent = await a.user('agent');
    const supervisor = await b.user('supervisor');
    const agentSocket = await a.connect(agent.token);
    const supervisorSocket = await b.connect(supervisor.token);
    await graph.inbound({ from: '5511988887777', name: 'Maria', text: 'oi' });
    const first = await agentSocket.waitFor((f) => f.type === 'message.created');
    const conversationId = first.type === 'message.created' ? first.message.conversationId : '';

    const messageId = randomUUID();
    agentSocket.send({ type: 'message.send', id: 'traced-send', conversationId, message: { id: messageId, text: 'olá Maria' } });
    await supervisorSocket.waitFor((f) => f.type === 'message.created' && f.message.id === messageId);
    await agentSocket.waitFor((f) => f.type === 'delivery.updated' && f.delivery.messageId === messageId && f.delivery.status === 'sent');
    const ours = (c: Received) => (c.body.data.message as { id?: string } | undefined)?.id === messageId;
    const call = (await receiver.until((calls) => calls.some(ours))).find(ours);

    const frameOf = (spans: ReadableSpan[]) =>
      spans.find((s) => s.name === 'ws message.send' && s.attributes['chat4all.frame.id'] === 'traced-send');
    const inTrace = (spans: ReadableSpan[]) => {
      const frame = frameOf(spans);
      return frame ? spans.filter((s) => s.spanContext().traceId === frame.spanContext().traceId) : [];
    };
    const spans = inTrace(
      await traces.until((all) => {
        const trace = inTrace(all);
        const names = trace.map((s) => s.name);
        return (
          names.filter((n) => n === 'chat4all.fanout message.created').length === 2 &&
          names.includes('chat4all.dispatch') &&
          names.includes('chat4all.webhook message.created')
        );
      }),
    );

    // The frame is the root, on the node the agent is connected to.
    const frame = only(spans, (s) => s.name === 'ws message.send', 'the frame');
    expect(parentOf(frame)).toBeUndefined();
    expect(frame.kind).toBe(SpanKind.SERVER);
    expect(frame.attributes['chat4all.conversation_id']).toBe(conversationId);
    // Its append waited for a commit batch holding it.
    const append = only(spans, (s) => s.name === 'chat4all.append', 'the append');
    expect(parentOf(append)).toBe(idOf(frame));
    expect(append.attributes['chat4all.message_id']).toBe(messageId);
    const batch = only(spans, (s) => s.name === 'chat4all.commit appends', 'the commit batch');
    expect(parentOf(batch)).toBe(idOf(append));
    expect(batch.links.map((l) => l.context.spanId)).toContain(idOf(append));
    expect(batch.attributes['chat4all.batch.size']).toBeGreaterThanOrEqual(1);
    // Published once, fanned out by each node from the bus.
    const publish = only(spans, (s) => s.name === 'chat4all.publish message.created', 'the publish');
    expect(parentOf(publish)).toBe(idOf(frame));
    expect(publish.kind).toBe(SpanKind.PRODUCER);
    const fanouts = spans.filter((s) => s.name === 'chat4all.fanout message.created');
    expect(fanouts.map(parentOf)).toEqual([idOf(publish), idOf(publish)]);
    expect(fanouts.every((s) => s.kind === SpanKind.CONSUMER)).toBe(true);
    // The supervisor's node sent it to one socket (theirs); the agent's node to none (the sender has its ack).
    expect(fanouts.map((s) => s.attributes['chat4all.sockets']).sort()).toEqual([0, 1]);
    // The dispatch attempt, wherever the queue handed it, and its call to the Graph API.
    const dispatch = only(spans, (s) => s.name === 'chat4all.dispatch', 'the dispatch attempt');
    expect(parentOf(dispatch)).toBe(idOf(frame));
    expect(dispatch.attributes['chat4all.channel']).toBe('whatsapp');
    expect(dispatch.attributes['chat4all.attempt']).toBe(1);
    const platform = only(spans, (s) => s.kind === SpanKind.CLIENT && parentOf(s) === idOf(dispatch), 'the platform call');
    expect(platform.name).toBe('POST 127.0.0.1');
    expect(platform.attributes['http.response.status_code']).toBe(200);
    expect(JSON.stringify(platform.attributes)).not.toContain(WA.accessToken);
    // The app webhook call is a child of the publish, and the app got its traceparent.
    const webhook = only(spans, (s) => s.name === 'chat4all.webhook message.created', 'the webhook call');
    expect(parentOf(webhook)).toBe(idOf(publish));
    expect(webhook.kind).toBe(SpanKind.CLIENT);
    expect(call?.headers.traceparent).toBe(`00-${frame.spanContext().traceId}-${idOf(webhook)}-01`);
    // Log lines written inside the trace carry its id and the span they were written in.
    const committed = lines.find((line) => line.msg === 'message committed' && line.messageId === messageId);
    expect(committed).toMatchObject({ trace_id: frame.spanContext().traceId, span_id: idOf(frame) });
  });

  it('a node without tracing delivers what a traced node publishes', async () => {
    const traces = recorder();
    const nodes = await twoNodes({}, { tracerProvider: traces.provider }, { deps: {} });
    closing.push(nodes.close);
    const { a, b } = nodes;
    const ana = await a.user();
    const bob = await b.user();
    const bobSocket = await b.connect(bob.token);
    const conversation = await a.http<{ id: string }>('POST', '/v1/conversations', {
      as: API_KEY,
      body: { type: 'private', userId: bob.id, createdBy: ana.id },
    });
    const id = randomUUID();
    const sent = await a.http('POST', `/v1/conversations/${conversation.body.id}/messages`, {
      as: API_KEY,
      body: { id, senderId: ana.id, text: 'to an untraced node' },
    });
    expect(sent.status).toBe(201);
    const created = await bobSocket.waitFor((f) => f.type === 'message.created' && f.message.id === id);
    expect(created).toMatchObject({ message: { text: 'to an untraced node' } });
    // Only node a made spans: its publish, and its own fan-out.
    const spans = await traces.until((all) => all.some((s) => s.name === 'chat4all.fanout message.created'));
    expect(spans.filter((s) => s.name === 'chat4all.fanout message.created')).toHaveLength(1);
  });

  it("an HTTP request is a server span continuing the caller's traceparent, and the send it makes is its child", async () => {
    const traces = recorder();
    const relay = await startRelay({}, { deps: { tracerProvider: traces.provider } });
    closing.push(relay.close);
    const alice = await relay.user();
    const created = await relay.http<{ id: string }>('POST', '/v1/conversations', {
      as: API_KEY,
      body: { type: 'group', createdBy: alice.id, memberIds: [] },
    });
    const conversationId = created.body.id;
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    const sent = await relay.http('POST', `/v1/conversations/${conversationId}/messages`, {
      as: API_KEY,
      headers: { traceparent: `00-${callerTrace}-${callerSpan}-01` },
      body: { id: randomUUID(), senderId: alice.id, text: 'from the backend' },
    });
    expect(sent.status).toBe(201);
    const spans = await traces.until((all) => all.some((s) => s.name === ROUTE));
    const request = only(spans, (s) => s.name === ROUTE, 'the request');
    expect(request.spanContext().traceId).toBe(callerTrace);
    expect(parentOf(request)).toBe(callerSpan);
    expect(request.kind).toBe(SpanKind.SERVER);
    expect(request.attributes['http.route']).toBe('/v1/conversations/:conversationId/messages');
    expect(request.attributes['http.response.status_code']).toBe(201);
    // The body was read and the handler ran in the request's context.
    const append = only(spans, (s) => s.name === 'chat4all.append' && s.spanContext().traceId === callerTrace, 'the append');
    expect(parentOf(append)).toBe(idOf(request));

    // A refused request is the client's error: its span is not marked failed.
    const refused = await relay.http('POST', `/v1/conversations/${conversationId}/messages`, { as: API_KEY, body: '{"broken' });
    expect(refused.status).toBe(400);
    const after = await traces.until((all) => all.filter((s) => s.name === ROUTE).length === 2);
    const failed = after.filter((s) => s.name === ROUTE)[1];
    expect(failed?.attributes['http.response.status_code']).toBe(400);
    expect(failed?.status.code).toBe(0);
  });

  it('exports over OTLP/HTTP to the configured collector, keeping traces as the sample ratio and the caller decide', async () => {
    const exports: Array<{ path: string; body: unknown }> = [];
    const collector = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        const raw = Buffer.concat(chunks);
        const text = request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString() : raw.toString();
        exports.push({ path: request.url ?? '', body: JSON.parse(text) });
        // OTLP/HTTP: a full success is 200 with an ExportTraceServiceResponse (empty here).
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    closing.push(() => new Promise<void>((resolve) => collector.close(() => resolve())));
    const url = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/v1/traces`;
    const relay = await startRelay({ tracing: { enabled: true, serviceName: 'relay-under-test', sampleRatio: 0, otlp: { url } } });
    const kept = '0af7651916cd43dd8448eb211c80319c';
    // Sampled by the caller: kept although the ratio keeps no new trace.
    expect((await relay.http('GET', '/readyz', { headers: { traceparent: `00-${kept}-b7ad6b7169203331-01` } })).status).toBe(200);
    // A new trace at ratio 0, and one the caller did not sample: neither exported.
    expect((await relay.http('GET', '/readyz')).status).toBe(200);
    expect(
      (await relay.http('GET', '/readyz', { headers: { traceparent: '00-1af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00' } })).status,
    ).toBe(200);
    // Closing flushes the batch.
    await relay.close();
    const spans = exports.flatMap(({ body }) =>
      (
        body as {
          resourceSpans: Array<{
            resource: { attributes: unknown[] };
            scopeSpans: Array<{ spans: Array<{ traceId: string; name: string }> }>;
          }>;
        }
      ).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((span) => ({ ...span, resource: r.resource })))),
    );
    expect(exports.every((e) => e.path === '/v1/traces')).toBe(true);
    expect(spans.map((s) => [s.name, s.traceId])).toEqual([['GET /readyz', kept]]);
    expect(JSON.stringify(spans[0]?.resource)).toContain('relay-under-test');
  });
});
