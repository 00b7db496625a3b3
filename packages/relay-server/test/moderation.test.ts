import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateWebhookSecret, verifyStandardWebhook } from '@chat4all/connectors';
import { fakeGraph } from '@chat4all/connectors/testing';
import type { Message, RejectedMessagePage } from '@chat4all/protocol';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RelayConfigInput } from '../src/index.js';
import { API_KEY, dropSchemas, POSTGRES_URL, type RunningRelay, sharedFile, startRelay } from './fixtures.js';

const schemas: string[] = [];
afterAll(() => dropSchemas(schemas));

interface HookCall {
  headers: IncomingHttpHeaders;
  body: { type: string; timestamp: string; data: { origin: 'app' | 'channel'; message: Message } };
  /** Whether the call carried a valid Standard Webhooks signature made with the hook's secret. */
  signed: boolean;
}

/**
 * The app's before-send endpoint, as an app would write it (its shape is ours, documented in
 * docs/protocol.md#the-before-send-hook): it checks the relay's signature, and answers each call
 * with what `answer` does with the response.
 */
async function fakeHook(secret: string) {
  const calls: HookCall[] = [];
  const waiters: Array<() => void> = [];
  let answer: (call: HookCall, response: ServerResponse) => void = (_call, response) => json(response, { action: 'allow' });
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      const call: HookCall = {
        headers: request.headers,
        body: JSON.parse(rawBody.toString()),
        signed: verifyStandardWebhook(secret, { headers: request.headers, rawBody }),
      };
      calls.push(call);
      for (const wake of waiters.splice(0)) wake();
      if (!call.signed) return json(response, { action: 'reject', reason: 'unsigned' }, 401);
      answer(call, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/before-send`,
    calls,
    answer(next: typeof answer) {
      answer = next;
    },
    async until(count: number): Promise<HookCall[]> {
      while (calls.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
      return calls;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(response: ServerResponse, body: unknown, status = 200): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

describe.each([
  ['sqlite', () => ({})],
  [
    'postgres',
    () => {
      const schema = `moderation_${randomUUID().slice(0, 8)}`;
      schemas.push(schema);
      return { store: { driver: 'postgres' as const, postgres: { url: POSTGRES_URL, schema, poolSize: 4 } } };
    },
  ],
])('content rules and the before-send hook (%s)', (_store, storeConfig) => {
  const secret = generateWebhookSecret();
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function setUp(moderation: RelayConfigInput['moderation'] = {}, more: RelayConfigInput = {}) {
    const hook = await fakeHook(secret);
    closers.push(hook.close);
    const config = {
      ...sharedFile(storeConfig()),
      ...more,
      moderation: {
        ...moderation,
        beforeSend: { url: hook.url, secret, allowPrivateAddresses: true, timeoutMs: 1000, ...moderation.beforeSend },
      },
    };
    const relay = await startRelay(config);
    closers.push(() => relay.close());
    const ana = await relay.user();
    const bob = await relay.user();
    const conversation = await relay.http<{ id: string }>('POST', '/v1/conversations', {
      as: ana.token,
      body: { type: 'private', userId: bob.id },
    });
    const path = `/v1/conversations/${conversation.body.id}/messages`;
    const send = (body: Record<string, unknown>, node: RunningRelay = relay) =>
      node.http<{ code?: string; message?: string; details?: { reason: string }; messageId?: string; seq?: number }>('POST', path, {
        as: ana.token,
        body,
      });
    const history = async () => (await relay.http<{ messages: Message[] }>('GET', path, { as: bob.token })).body.messages;
    return { hook, relay, ana, bob, conversationId: conversation.body.id, path, send, history, config };
  }

  it('asks the hook with a signed call and allows, rejects with its reason, or stores its replacement', async () => {
    const { hook, send, history, ana, conversationId } = await setUp();
    hook.answer((call, response) => {
      const { text } = call.body.data.message;
      if (text.includes('buy now')) return json(response, { action: 'reject', reason: 'No selling in this chat' });
      if (text.includes('phone')) return json(response, { action: 'replace', text: text.replace(/\d{3}-\d{4}/, '[number removed]') });
      json(response, { action: 'allow', ignored: 'field' });
    });
    const allowed = randomUUID();
    expect((await send({ id: allowed, text: 'hello' })).status).toBe(201);
    const rejected = await send({ id: randomUUID(), text: 'buy now!' });
    expect(rejected).toMatchObject({
      status: 422,
      body: { code: 'MESSAGE_REJECTED', message: 'No selling in this chat', details: { reason: 'No selling in this chat' } },
    });
    const replaced = randomUUID();
    expect((await send({ id: replaced, text: 'my phone is 555-1234' })).status).toBe(201);
    expect((await history()).map((m) => [m.id, m.text])).toEqual([
      [allowed, 'hello'],
      [replaced, 'my phone is [number removed]'],
    ]);
    expect(hook.calls).toHaveLength(3);
    expect(hook.calls.map((c) => c.signed)).toEqual([true, true, true]);
    const [first] = hook.calls;
    expect(first?.headers['webhook-id']).toBe(allowed);
    expect(first?.body).toMatchObject({
      type: 'message.before_send',
      data: { origin: 'app', message: { id: allowed, conversationId, senderId: ana.id, kind: 'text', text: 'hello', attachment: null } },
    });
  });

  it('gives a retried id the same decision without asking the hook again, even when the hook has changed its mind', async () => {
    const { hook, send, history } = await setUp();
    hook.answer((_call, response) => json(response, { action: 'reject', reason: 'Not today' }));
    const id = randomUUID();
    expect((await send({ id, text: 'first try' })).body).toMatchObject({ code: 'MESSAGE_REJECTED', details: { reason: 'Not today' } });
    hook.answer((_call, response) => json(response, { action: 'allow' }));
    expect((await send({ id, text: 'first try' })).body).toMatchObject({ code: 'MESSAGE_REJECTED', details: { reason: 'Not today' } });
    hook.answer((_call, response) => json(response, { action: 'replace', text: 'rewritten' }));
    const replaced = randomUUID();
    const ack = await send({ id: replaced, text: 'original' });
    hook.answer((_call, response) => json(response, { action: 'reject', reason: 'changed my mind' }));
    expect(await send({ id: replaced, text: 'original' })).toEqual(ack);
    expect(hook.calls).toHaveLength(2);
    expect((await history()).map((m) => m.text)).toEqual(['rewritten']);
  });

  it('holds a retry to the body the hook judged: another text under a decided id is 409 MESSAGE_ID_CONFLICT, never stored', async () => {
    const { hook, send, history } = await setUp();
    hook.answer((call, response) =>
      call.body.data.message.text.includes('evil')
        ? json(response, { action: 'reject', reason: 'no evil' })
        : json(response, { action: 'allow' }),
    );
    const id = randomUUID();
    // Hostile: the first attempt is made to fail after the hook allowed it (a reply to nothing)...
    expect((await send({ id, text: 'benign', replyTo: randomUUID() })).body).toMatchObject({ code: 'REPLY_TARGET_NOT_FOUND' });
    // ...and the retry carries other text, or drops the reply: neither is the message judged.
    expect(await send({ id, text: 'evil text' })).toMatchObject({ status: 409, body: { code: 'MESSAGE_ID_CONFLICT' } });
    expect(await send({ id, text: 'benign' })).toMatchObject({ status: 409, body: { code: 'MESSAGE_ID_CONFLICT' } });
    expect(hook.calls).toHaveLength(1);
    expect(await history()).toEqual([]);
    // The same body, its keys in another order, is the same message and gets the decision again.
    const late = randomUUID();
    expect((await send({ id: late, text: 'fine', metadata: { a: 1, b: 2 } })).status).toBe(201);
    expect((await send({ metadata: { b: 2, a: 1 }, text: 'fine', id: late })).status).toBe(201);
    expect(hook.calls).toHaveLength(2);
    expect((await history()).map((m) => m.text)).toEqual(['fine']);
  });

  it('answers a retry of a stored message with the original after the rules change, with or without the hook, and audits nothing', async () => {
    const { hook, send, relay, config, history, conversationId } = await setUp();
    const id = randomUUID();
    const ack = await send({ id, text: 'cheap watches' });
    expect(ack.status).toBe(201);
    const rule = { blocklist: [{ word: 'cheap', reason: 'No selling' }] };
    const withHook = await startRelay(
      { ...config, moderation: { ...config.moderation, ...rule } },
      { dataDir: relay.dataDir, keepData: true },
    );
    closers.push(() => withHook.close());
    const rulesOnly = await startRelay({ ...config, moderation: rule }, { dataDir: relay.dataDir, keepData: true });
    closers.push(() => rulesOnly.close());
    expect(await send({ id, text: 'cheap watches' }, withHook)).toEqual(ack);
    expect(await send({ id, text: 'cheap watches' }, rulesOnly)).toEqual(ack);
    // A new message is held to the new rules.
    expect((await send({ id: randomUUID(), text: 'cheap again' }, rulesOnly)).body).toMatchObject({ code: 'MESSAGE_REJECTED' });
    expect(hook.calls).toHaveLength(1);
    expect((await history()).map((m) => m.text)).toEqual(['cheap watches']);
    const audit = await relay.http<RejectedMessagePage>('GET', `/v1/conversations/${conversationId}/rejected-messages`, { as: API_KEY });
    expect(audit.body.rejected.map((r) => r.message.text)).toEqual(['cheap again']);
  });

  it('holds a place’s name and address and contact cards to the rules, and shows the hook and members them masked', async () => {
    const { hook, send, history } = await setUp({
      blocklist: [
        { word: 'cheap', reason: 'No selling' },
        { word: 'heck', action: 'mask' },
      ],
    });
    const place = { type: 'location', latitude: -23.5, longitude: -46.6, name: 'Cheap Watches', address: 'Rua A, 1', url: null };
    expect((await send({ id: randomUUID(), text: '', content: place })).body).toMatchObject({
      code: 'MESSAGE_REJECTED',
      details: { reason: 'No selling' },
    });
    const card = { name: 'Ana', phones: [], emails: [], organization: 'cheap deals ltd' };
    expect((await send({ id: randomUUID(), text: 'call her', content: { type: 'contacts', contacts: [card] } })).body).toMatchObject({
      code: 'MESSAGE_REJECTED',
    });
    const masked = randomUUID();
    const sent = await send({ id: masked, text: 'here', content: { ...place, name: 'Heck Bar', address: 'Heck Street' } });
    expect(sent.status).toBe(201);
    expect(hook.calls.map((c) => c.body.data.message.content)).toMatchObject([{ name: '**** Bar', address: '**** Street' }]);
    expect((await history()).map((m) => [m.id, m.content])).toMatchObject([[masked, { name: '**** Bar', address: '**** Street' }]]);
  });

  it('asks the hook once when two nodes race with the same id: the second waits for the first one’s decision', async () => {
    const { hook, send, relay, config, history } = await setUp();
    const second = await startRelay(config, { dataDir: relay.dataDir, keepData: true });
    closers.push(() => second.close());
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    hook.answer((_call, response) => {
      void held.then(() => json(response, { action: 'replace', text: 'decided once' }));
    });
    const id = randomUUID();
    const racing = [send({ id, text: 'race' }), send({ id, text: 'race' }, second), send({ id, text: 'race' })];
    await hook.until(1);
    // The hook holds its answer a moment, so the other racers find the claim pending (no event
    // tells that they have: one arriving after the decision finds it recorded, and the hook is still asked once).
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    const answers = await Promise.all(racing);
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
    expect(new Set(answers.map((a) => a.body.seq)).size).toBe(1);
    expect(hook.calls).toHaveLength(1);
    expect((await history()).map((m) => [m.id, m.text])).toEqual([[id, 'decided once']]);
  });

  it('takes the fallback when the hook is too slow, and a retry gets the fallback’s decision, not the late answer', async () => {
    const { hook, send } = await setUp({ beforeSend: { timeoutMs: 150, fallback: 'reject', fallbackReason: 'Try again in a minute' } });
    let late: () => void = () => {};
    hook.answer((_call, response) => {
      late = () => json(response, { action: 'allow' });
    });
    const id = randomUUID();
    const started = performance.now();
    expect((await send({ id, text: 'slow' })).body).toMatchObject({
      code: 'MESSAGE_REJECTED',
      details: { reason: 'Try again in a minute' },
    });
    expect(performance.now() - started).toBeLessThan(1500);
    late();
    hook.answer((_call, response) => json(response, { action: 'allow' }));
    expect((await send({ id, text: 'slow' })).body).toMatchObject({ code: 'MESSAGE_REJECTED' });
    expect(hook.calls).toHaveLength(1);
  });

  it('falls back, never answering 500, on hostile answers: a huge body, bad JSON, a redirect, an error, an unknown action, a body that never ends', async () => {
    const { hook, send, relay } = await setUp({ beforeSend: { fallback: 'reject', fallbackReason: 'Unchecked' } });
    const hostile: Array<(response: ServerResponse) => void> = [
      (response) =>
        response.writeHead(200, { 'content-type': 'application/json' }).end(`{"action":"allow","pad":"${'x'.repeat(1 << 20)}"}`),
      (response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"action": "allow"'),
      (response) => response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' }).end(),
      (response) => json(response, { action: 'allow' }, 500),
      (response) => json(response, { action: 'delete-everything' }),
      (response) => json(response, { action: 'replace', text: 'x'.repeat(10_000) }),
      (response) => json(response, { action: 'replace', text: '' }),
      // Headers at once, then a body that never ends: the deadline covers reading it too.
      (response) => response.writeHead(200, { 'content-type': 'application/json' }).write('{"action":'),
    ];
    for (const [index, answer] of hostile.entries()) {
      hook.answer((_call, response) => answer(response));
      const sent = await send({ id: randomUUID(), text: `attempt ${index}` });
      expect([index, sent.status, sent.body.code, sent.body.details]).toEqual([index, 422, 'MESSAGE_REJECTED', { reason: 'Unchecked' }]);
    }
    const metrics = await fetch(`${relay.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/chat4all_before_send_fallbacks_total\{reason="too_large"\} 1/);
    expect(metrics).toMatch(/chat4all_before_send_fallbacks_total\{reason="invalid"\} 4/);
    expect(metrics).toMatch(/chat4all_before_send_fallbacks_total\{reason="status"\} 2/);
    expect(metrics).toMatch(/chat4all_before_send_fallbacks_total\{reason="timeout"\} 1/);
    expect(metrics).toMatch(/chat4all_moderation_decisions_total\{action="reject",source="fallback"\} 8/);
  });

  it('refuses to call a hook on a private address unless allowed, and lets the message through on the allow fallback', async () => {
    const { hook, send, history } = await setUp({ beforeSend: { allowPrivateAddresses: false, fallback: 'allow' } });
    expect((await send({ id: randomUUID(), text: 'through' })).status).toBe(201);
    expect(hook.calls).toHaveLength(0);
    expect((await history()).map((m) => m.text)).toEqual(['through']);
  });

  it('applies the rules before the hook: a blocked word rejects without a call, a masked one reaches the hook masked', async () => {
    const { hook, send, history, relay, path, ana } = await setUp({
      blocklist: [
        { word: 'casino', action: 'reject', reason: 'No gambling' },
        { word: 'heck', action: 'mask' },
      ],
    });
    expect((await send({ id: randomUUID(), text: 'best ＣＡＳＩＮＯ in town' })).body).toMatchObject({
      code: 'MESSAGE_REJECTED',
      details: { reason: 'No gambling' },
    });
    expect(hook.calls).toHaveLength(0);
    expect((await send({ id: randomUUID(), text: 'what the heck' })).status).toBe(201);
    expect(hook.calls.map((c) => c.body.data.message.text)).toEqual(['what the ****']);
    expect((await history()).map((m) => m.text)).toEqual(['what the ****']);
    // An edit passes the rules too (not the hook): a blocked word keeps the old text, a masked one is stored masked.
    const [sent] = await history();
    const edit = (text: string) =>
      relay.http<{ code?: string; text?: string }>('PATCH', `${path}/${sent?.id}`, { as: ana.token, body: { text } });
    expect((await edit('now a casino')).body).toMatchObject({ code: 'MESSAGE_REJECTED', details: { reason: 'No gambling' } });
    expect((await edit('heck, fine')).body).toMatchObject({ text: '****, fine' });
    expect(hook.calls).toHaveLength(1);
    // One count per message sent, of what became of it; edits are counted apart.
    const metrics = await fetch(`${relay.url}/metrics`).then((r) => r.text());
    const decisions = metrics.split('\n').filter((line) => line.startsWith('chat4all_moderation_decisions_total{'));
    expect(decisions.sort()).toEqual([
      'chat4all_moderation_decisions_total{action="mask",source="hook"} 1',
      'chat4all_moderation_decisions_total{action="reject",source="rules"} 1',
    ]);
    expect(metrics).toMatch(/chat4all_moderation_edit_decisions_total\{action="reject"\} 1/);
    expect(metrics).toMatch(/chat4all_moderation_edit_decisions_total\{action="mask"\} 1/);
  });

  it('keeps a contact’s rejected message out of the conversation, for the server API key’s audit only', async () => {
    const wa = { accessToken: 'EAAJB-test-token', phoneNumberId: '106540352242922', appSecret: 'meta-app-secret', verifyToken: 'v' };
    const graph = await fakeGraph({ accessToken: wa.accessToken, phoneNumberId: wa.phoneNumberId });
    closers.push(() => graph.close());
    const { hook, relay } = await setUp(
      { blocklist: [{ word: 'pix', reason: 'No payment requests' }] },
      { channels: [{ id: 'wa', type: 'whatsapp', members: ['agent'], baseUrl: graph.url, ...wa }], dispatch: { pollIntervalMs: 50 } },
    );
    graph.subscribe(`${relay.url}/v1/channels/wa/webhook`, wa.appSecret);
    const agent = await relay.user('agent');
    const socket = await relay.connect(agent.token);
    hook.answer((call, response) =>
      call.body.data.message.text.includes('spam')
        ? json(response, { action: 'reject', reason: 'Looks like spam' })
        : json(response, { action: 'allow' }),
    );
    expect((await graph.inbound({ from: '5511999990000', name: 'Maria', text: 'Oi!' })).status).toBe(200);
    const first = await socket.waitFor((f) => f.type === 'message.created');
    if (first.type !== 'message.created') throw new Error('unreachable');
    const { conversationId } = first.message;
    const spam = await graph.inbound({ from: '5511999990000', name: 'Maria', text: 'cheap spam here' });
    // Taken (the platform must not retry it), and the retry the platform makes anyway is decided once.
    expect(spam.status).toBe(200);
    expect((await graph.inbound({ from: '5511999990000', name: 'Maria', text: 'cheap spam here', id: spam.id })).status).toBe(200);
    // One the rules reject never reaches the hook.
    const pix = await graph.inbound({ from: '5511999990000', name: 'Maria', text: 'manda o PIX' });
    expect(pix.status).toBe(200);
    expect((await graph.inbound({ from: '5511999990000', name: 'Maria', text: 'Still there?' })).status).toBe(200);
    const next = await socket.waitFor((f) => f.type === 'message.created' && f.message.id !== first.message.id);
    expect(next.type === 'message.created' && next.message.text).toBe('Still there?');
    const seen = await relay.http<{ messages: Message[] }>('GET', `/v1/conversations/${conversationId}/messages`, { as: agent.token });
    expect(seen.body.messages.map((m) => m.text)).toEqual(['Oi!', 'Still there?']);
    expect(hook.calls.map((c) => [c.body.data.origin, c.body.data.message.text])).toEqual([
      ['channel', 'Oi!'],
      ['channel', 'cheap spam here'],
      ['channel', 'Still there?'],
    ]);
    const audit = `/v1/conversations/${conversationId}/rejected-messages`;
    const listed = await relay.http<RejectedMessagePage>('GET', audit, { as: API_KEY });
    expect(listed.body).toMatchObject({
      rejected: [
        {
          origin: 'channel',
          source: 'rules',
          reason: 'No payment requests',
          message: { text: 'manda o PIX', metadata: { channel: { externalId: pix.id } } },
        },
        {
          origin: 'channel',
          source: 'hook',
          reason: 'Looks like spam',
          message: { conversationId, text: 'cheap spam here', metadata: { channel: { id: 'wa', externalId: spam.id } } },
        },
      ],
      hasMore: false,
    });
    const paged = await relay.http<RejectedMessagePage>('GET', `${audit}?limit=1`, { as: API_KEY });
    expect(paged.body.hasMore).toBe(true);
    const older = await relay.http<RejectedMessagePage>(
      'GET',
      `${audit}?limit=1&before=${encodeURIComponent(paged.body.rejected[0]?.rejectedAt ?? '')}&beforeId=${encodeURIComponent(paged.body.rejected[0]?.message.id ?? '')}`,
      { as: API_KEY },
    );
    expect(older.body.rejected.map((r) => r.message.text)).toEqual(['cheap spam here']);
    expect((await relay.http('GET', audit, { as: agent.token })).status).toBe(403);
  });
});
