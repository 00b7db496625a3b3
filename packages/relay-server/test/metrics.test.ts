import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningRelay, sendText, startRelay } from './fixtures.js';
import { Replica } from './replica.js';

function sample(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').pop()) : Number.NaN;
}

describe('/metrics', () => {
  let relay: RunningRelay;
  afterEach(() => relay?.close());

  it('exposes sockets, appends, send→ack latency, commit batches, fan-out, resumes, rate limits and errors by code', async () => {
    relay = await startRelay({ limits: { messagesPerMinute: 60, messageBurst: 5 } });
    const ana = await relay.user();
    const bob = await relay.user();
    const conv = (
      await relay.http<{ id: string }>('POST', '/v1/conversations', { as: ana.token, body: { type: 'private', userId: bob.id } })
    ).body.id;
    const socket = await relay.connect(ana.token);
    const replica = new Replica(relay, bob.token);
    await replica.connect();
    const id = randomUUID();
    for (let i = 0; i < 3; i++)
      await socket.request({ type: 'message.send', conversationId: conv, message: { id, text: 'same id thrice' } });
    await sendText(socket, conv, 'second');
    await sendText(socket, conv, 'third');
    expect((await sendText(socket, conv, 'limited')).type).toBe('error');
    await socket.request({ type: 'message.edit', conversationId: conv, messageId: randomUUID(), text: 'x' });
    await relay.http('GET', '/v1/nope');

    const response = await fetch(`${relay.url}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(sample(text, 'chat4all_sockets')).toBe(2);
    expect(sample(text, 'chat4all_messages_appended_total')).toBe(3);
    expect(sample(text, 'chat4all_send_ack_seconds_count')).toBe(5);
    expect(sample(text, 'chat4all_commit_batch_size_count')).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'chat4all_fanout_seconds_count')).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'chat4all_resumes_total')).toBe(1);
    expect(sample(text, 'chat4all_rate_limited_total{limit="send"}')).toBe(1);
    expect(text).toContain('chat4all_errors_total{code="RATE_LIMITED",transport="ws"} 1');
    expect(text).toContain('chat4all_errors_total{code="MESSAGE_NOT_FOUND",transport="ws"} 1');
    expect(text).toContain('chat4all_errors_total{code="NOT_FOUND",transport="http"} 1');
    expect(text).toContain('chat4all_process_resident_memory_bytes');
  });
});
