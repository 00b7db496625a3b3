import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { WebSocketConstructor } from '../src/index.js';
import { client, startRelay, until, userToken } from './relay.js';

describe('link previews through the client', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('gets a message’s preview live, and on resume after missing it', async () => {
    // The linked page answers only when the test lets it, so the preview lands while bo is away.
    let answer: (response: ServerResponse) => void = () => {};
    const asked = new Promise<ServerResponse>((resolve) => {
      answer = resolve;
    });
    const site = createServer((_request, response) => answer(response));
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => {
      site.closeAllConnections();
      site.close();
    });
    const pageUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/post`;

    // The page is on loopback: the relay is told to allow that, as in its own tests.
    const relay = await startRelay({ config: { previews: { enabled: true, allowPrivateAddresses: true } } });
    cleanup.push(relay.remove, relay.close);
    // bo's sockets can be cut, and bo kept away, by pointing new ones at a closed port.
    let away = false;
    const boSockets: WebSocket[] = [];
    class Switchable extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(away ? 'ws://127.0.0.1:1/' : url, protocols);
        boSockets.push(this);
      }
    }
    const amy = client(relay.url, await userToken(relay.url, 'amy'));
    const bo = client(relay.url, await userToken(relay.url, 'bo'), { WebSocket: Switchable as unknown as WebSocketConstructor });
    cleanup.push(
      () => amy.close(),
      () => bo.close(),
    );
    await Promise.all([amy.connect(), bo.connect()]);
    const group = await amy.createGroup({ title: 'Links', memberIds: ['bo'] });
    await until(bo.conversations, (list) => list.some((c) => c.id === group.id));

    const sent = await amy.send(group.id, `have a look: ${pageUrl}`);
    expect(sent.previews).toEqual([]);
    const held = await until(bo.messages(group.id), (messages) => messages.some((m) => m.id === sent.id));
    expect(held.find((m) => m.id === sent.id)?.previews).toEqual([]);

    away = true;
    for (const socket of boSockets) socket.terminate();
    await until(bo.connection, (state) => state !== 'connected');
    (await asked)
      .writeHead(200, { 'content-type': 'text/html' })
      .end(
        '<head><meta property="og:title" content="A post"><meta property="og:site_name" content="Blog">' +
          '<meta property="og:description" content="What it says"><meta property="og:image" content="https://img.blog.example/p.jpg"></head>',
      );
    const preview = {
      url: pageUrl,
      title: 'A post',
      description: 'What it says',
      siteName: 'Blog',
      imageUrl: 'https://img.blog.example/p.jpg',
    };
    const live = await until(amy.messages(group.id), (messages) => messages.some((m) => m.id === sent.id && m.previews.length === 1));
    expect(live.find((m) => m.id === sent.id)).toMatchObject({ previews: [preview], editedAt: null, status: 'sent' });
    expect(
      bo
        .messages(group.id)
        .getSnapshot()
        .find((m) => m.id === sent.id)?.previews,
    ).toEqual([]);

    away = false;
    const resumed = await until(bo.messages(group.id), (messages) => messages.some((m) => m.id === sent.id && m.previews.length === 1));
    expect(resumed.find((m) => m.id === sent.id)?.previews).toEqual([preview]);
  });
});
