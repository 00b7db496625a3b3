import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Conversation, ConversationDetail, Message, ServerFrame } from '@chat4all/protocol';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RelayConfigInput } from '../src/config.js';
import { dropSchemas, POSTGRES_URL, sendText, startRelay } from './fixtures.js';

const schemas: string[] = [];
afterAll(() => dropSchemas(schemas));

type Updated = Extract<ServerFrame, { type: 'message.updated' }>;

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    }),
  );
});

/** The web the links point at: pages on a loopback port, counting how often each was asked for. */
async function web(routes: Record<string, (request: IncomingMessage, response: ServerResponse) => void>) {
  const hits = new Map<string, number>();
  const server = createServer((request, response) => {
    const path = request.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes[path];
    if (route) route(request, response);
    else response.writeHead(404).end();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

const page =
  (title: string, image = 'https://cdn.example/card.png') =>
  (_request: IncomingMessage, response: ServerResponse) =>
    response
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(
        `<html><head><meta property="og:title" content="${title}"><meta property="og:site_name" content="Fake">` +
          `<meta property="og:description" content="About ${title}"><meta property="og:image" content="${image}"></head></html>`,
      );

/** The fakes are on loopback, so the tests that read them allow private addresses, as webhooks' tests do. */
const ON = { enabled: true, allowPrivateAddresses: true, timeoutMs: 1000 } as const;

describe.each([
  ['sqlite', () => ({})],
  [
    'postgres',
    () => {
      const schema = `previews_${randomUUID().slice(0, 8)}`;
      schemas.push(schema);
      return { store: { driver: 'postgres' as const, postgres: { url: POSTGRES_URL, schema, poolSize: 2 } } };
    },
  ],
])('link previews (%s)', (_store, storeConfig) => {
  const setUp = async (previews: RelayConfigInput['previews']) => {
    const relay = await startRelay({ ...storeConfig(), previews });
    const [ana, bob] = [await relay.user(), await relay.user()];
    const created = await relay.http<ConversationDetail>('POST', '/v1/conversations', {
      as: ana.token,
      body: { type: 'group', memberIds: [bob.id] },
    });
    const conversationId = created.body.id;
    const anaSocket = await relay.connect(ana.token);
    const history = async () =>
      (await relay.http<{ messages: Message[] }>('GET', `/v1/conversations/${conversationId}/messages`, { as: bob.token })).body.messages;
    return { relay, ana, bob, conversationId, anaSocket, history };
  };
  const updatedWith = (id: string, count: number) => (f: ServerFrame) =>
    f.type === 'message.updated' && f.message.id === id && f.message.previews.length === count;

  it('adds the previews of a message’s links live as message.updated, keeps them in history and resume, and follows edits and deletes', async () => {
    const site = await web({ '/a': page('Page A'), '/b': page('Page B'), '/broken': (_q, r) => r.writeHead(500).end() });
    const { relay, ana, bob, conversationId, anaSocket, history } = await setUp(ON);
    await using _relay = relay;
    const bobSocket = await relay.connect(bob.token);
    const before = (await relay.http<Conversation>('GET', `/v1/conversations/${conversationId}`, { as: bob.token })).body;

    const id = randomUUID();
    const ack = await sendText(anaSocket, conversationId, `read ${site.url}/a and ${site.url}/broken`, id);
    expect(ack).toMatchObject({ type: 'ack', result: { messageId: id } });
    const created = await bobSocket.waitFor((f) => f.type === 'message.created' && f.message.id === id);
    expect(created).toMatchObject({ message: { previews: [] } });
    const updated = (await bobSocket.waitFor(updatedWith(id, 1))) as Updated;
    const previewA = {
      url: `${site.url}/a`,
      title: 'Page A',
      description: 'About Page A',
      siteName: 'Fake',
      imageUrl: 'https://cdn.example/card.png',
    };
    expect(updated.message).toMatchObject({ id, previews: [previewA], editedAt: null });
    expect(updated.eventSeq).toBeGreaterThan(before.lastEventSeq);
    expect((await history()).find((m) => m.id === id)?.previews).toEqual([previewA]);

    // A second message with the same link is served from the cache.
    const again = randomUUID();
    await sendText(anaSocket, conversationId, `${site.url}/a again`, again);
    await bobSocket.waitFor(updatedWith(again, 1));
    expect(site.hits.get('/a')).toBe(1);

    // A member who was away gets the message with its preview on resume.
    const away = await relay.connect(bob.token);
    await away.request({ type: 'resume', cursors: { [conversationId]: [before.lastSeq, before.lastEventSeq] } });
    const replayed = away.frames.find((f) => (f.type === 'message.created' || f.type === 'message.updated') && f.message.id === id);
    expect(replayed).toMatchObject({ message: { previews: [previewA] } });
    // One who had the message already gets the change as message.updated.
    const late = await relay.connect(bob.token);
    const seq = created.type === 'message.created' ? created.message.seq : 0;
    await late.request({ type: 'resume', cursors: { [conversationId]: [seq, before.lastEventSeq] } });
    expect(late.frames.find(updatedWith(id, 1))).toMatchObject({ message: { previews: [previewA] } });

    // An edit to another link: the old preview goes with the edit, the new one follows.
    const edited = await relay.http<Message>('PATCH', `/v1/conversations/${conversationId}/messages/${id}`, {
      as: ana.token,
      body: { text: `now ${site.url}/b` },
    });
    expect(edited).toMatchObject({ status: 200, body: { previews: [] } });
    const reUnfurled = (await bobSocket.waitFor(
      (f) => updatedWith(id, 1)(f) && (f as Updated).message.previews[0]?.title === 'Page B',
    )) as Updated;
    expect(reUnfurled.message.previews).toEqual([{ ...previewA, url: `${site.url}/b`, title: 'Page B', description: 'About Page B' }]);

    await relay.http('DELETE', `/v1/conversations/${conversationId}/messages/${id}`, { as: ana.token });
    const deleted = await bobSocket.waitFor((f) => f.type === 'message.deleted' && f.message.id === id);
    expect(deleted).toMatchObject({ message: { previews: [] } });
    expect((await history()).find((m) => m.id === id)?.previews).toEqual([]);
  });

  it('gives no preview for hostile or failing pages, and the send is unaffected', async () => {
    const site = await web({
      '/image': (_q, r) => r.writeHead(200, { 'content-type': 'image/png' }).end('\x89PNG'),
      '/slow': () => {},
      '/redirects': (_q, r) => r.writeHead(302, { location: '/redirects' }).end(),
      '/script-image': page('x', 'javascript:alert(1)'),
      '/huge-title': page('T'.repeat(100_000)),
    });
    const { relay, anaSocket, conversationId, history } = await setUp({ ...ON, timeoutMs: 300 });
    await using _relay = relay;
    const ids: string[] = [];
    for (const path of ['/image', '/slow', '/redirects', '/script-image', '/huge-title', '/missing']) {
      const id = randomUUID();
      ids.push(id);
      expect(await sendText(anaSocket, conversationId, `${site.url}${path}`, id)).toMatchObject({ type: 'ack' });
    }
    await relay.relay.app.previews.flush();
    const byId = new Map((await history()).map((m) => [m.id, m.previews]));
    expect(ids.slice(0, 3).map((id) => byId.get(id))).toEqual([[], [], []]);
    expect(byId.get(ids[3] as string)).toMatchObject([{ title: 'x', imageUrl: null }]);
    expect(byId.get(ids[4] as string)?.[0]?.title).toHaveLength(200);
    expect(byId.get(ids[5] as string)).toEqual([]);
    const metrics = await (await fetch(`${relay.url}/metrics`)).text();
    expect(metrics).toMatch(/chat4all_link_previews_total\{outcome="refused"\} 3/);
    expect(metrics).toMatch(/chat4all_link_previews_total\{outcome="failed"\} 1/);
  });

  it('refuses private addresses unless allowed, and fetches nothing while previews are off', async () => {
    const site = await web({ '/a': page('Intranet') });
    const guarded = await setUp({ enabled: true });
    await using _guarded = guarded.relay;
    const id = randomUUID();
    await sendText(guarded.anaSocket, guarded.conversationId, `${site.url}/a http://localhost:${new URL(site.url).port}/a`, id);
    await guarded.relay.relay.app.previews.flush();
    expect((await guarded.history()).find((m) => m.id === id)?.previews).toEqual([]);
    expect(site.hits.size).toBe(0);

    const off = await setUp(undefined);
    await using _off = off.relay;
    await sendText(off.anaSocket, off.conversationId, `${site.url}/a`);
    await off.relay.relay.app.previews.flush();
    expect(site.hits.size).toBe(0);
  });
});
