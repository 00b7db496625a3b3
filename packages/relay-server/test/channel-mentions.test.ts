import { randomUUID } from 'node:crypto';
import { TelegramConnector } from '@chat4all/connectors';
import { type FakeGraph, type FakeTelegram, fakeGraph, fakeTelegram } from '@chat4all/connectors/testing';
import type { ChannelDelivery, Message, ServerFrame } from '@chat4all/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningRelay, startRelay, type TestSocket } from './fixtures.js';

const WA = { accessToken: 'EAAJB-test-token', phoneNumberId: '106540352242922', appSecret: 'meta-app-secret', verifyToken: 'verify-me' };

const sentFrame = (messageId: string) => (frame: ServerFrame) =>
  frame.type === 'delivery.updated' &&
  frame.delivery.messageId === messageId &&
  frame.delivery.status === ('sent' as ChannelDelivery['status']);

async function sendMentioning(socket: TestSocket, conversationId: string, text: string, mentions: string[]) {
  const id = randomUUID();
  const ack = await socket.request({ type: 'message.send', conversationId, message: { id, text, mentions } });
  expect(ack.type).toBe('ack');
  return id;
}

describe('mentions on external channels', () => {
  let relay: RunningRelay | undefined;
  let graph: FakeGraph | undefined;
  let telegram: FakeTelegram | undefined;
  afterEach(async () => {
    await relay?.close();
    await graph?.close();
    await telegram?.close();
    relay = graph = telegram = undefined;
  });

  it('a WhatsApp contact gets a mention of them and of an app user as the plain text the author wrote', async () => {
    graph = await fakeGraph({ accessToken: WA.accessToken, phoneNumberId: WA.phoneNumberId });
    relay = await startRelay({
      channels: [{ id: 'wa', type: 'whatsapp', members: ['agent', 'lead'], baseUrl: graph.url, ...WA }],
      dispatch: { pollIntervalMs: 50 },
    });
    graph.subscribe(`${relay.url}/v1/channels/wa/webhook`, WA.appSecret);
    const agent = await relay.user('agent');
    await relay.user('lead');
    const socket = await relay.connect(agent.token);
    await graph.inbound({ from: '5511999990000', name: 'Maria Silva', text: 'Oi' });
    const inbound = await socket.waitFor((f) => f.type === 'message.created');
    const { conversationId, senderId } = (inbound as { message: Message }).message;

    const text = '@Maria Silva, @Lead will call you';
    const id = await sendMentioning(socket, conversationId, text, [senderId as string, 'lead']);
    await socket.waitFor(sentFrame(id));
    expect(graph.calls.at(-1)).toMatchObject({ type: 'text', text: { body: text, preview_url: false } });
    const history = await relay.http<{ messages: Message[] }>('GET', `/v1/conversations/${conversationId}/messages`, { as: agent.token });
    expect(history.body.messages.at(-1)).toMatchObject({ text, mentions: [senderId, 'lead'] });
  });

  it('a Telegram chat gets the mention as plain text, with no markup or entities to parse', async () => {
    telegram = await fakeTelegram('123:bot-token');
    relay = await startRelay({
      channels: [
        { id: 'tg', type: 'telegram', members: ['agent'], token: '123:bot-token', secretToken: 'tg-secret', baseUrl: telegram.url },
      ],
      dispatch: { pollIntervalMs: 50 },
    });
    const agent = await relay.user('agent');
    const socket = await relay.connect(agent.token);
    const bot = new TelegramConnector({ token: '123:bot-token', secretToken: 'tg-secret', baseUrl: telegram.url });
    expect(await bot.setWebhook(`${relay.url}/v1/channels/tg/webhook`)).toMatchObject({ ok: true });
    await telegram.inbound({ chatId: 777001, firstName: 'Ana', text: 'hello' });
    const inbound = await socket.waitFor((f) => f.type === 'message.created');
    const { conversationId, senderId } = (inbound as { message: Message }).message;

    const id = await sendMentioning(socket, conversationId, '@Ana <b>not bold</b>', [senderId as string]);
    await socket.waitFor(sentFrame(id));
    const call = telegram.calls.filter((c) => c.method === 'sendMessage').at(-1);
    expect(call?.body).toMatchObject({ text: '@Ana <b>not bold</b>' });
    expect(call?.body).not.toHaveProperty('parse_mode');
    expect(call?.body).not.toHaveProperty('entities');
  });
});
