import { TelegramConnector } from '@chat4all/connectors';
import { fakeGraph, fakeMetaSend, fakeTelegram } from '@chat4all/connectors/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { Chat4AllClient, ChatMessage } from '../src/index.js';
import { client, startRelay, until, userToken } from './relay.js';

const WA = { accessToken: 'EAAJB-sdk-token', phoneNumberId: '106540352242922', appSecret: 'meta-app-secret', verifyToken: 'v' };

describe('external contacts through the SDK', () => {
  const cleanup: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function inbox(channels: Parameters<typeof startRelay>[0]) {
    const relay = await startRelay(channels);
    cleanup.push(relay.remove, relay.close);
    const agent = client(relay.url, await userToken(relay.url, 'agent'));
    cleanup.push(() => agent.close());
    await agent.connect();
    return { relay, agent };
  }

  const newest = (agent: Chat4AllClient, conversationId: string, predicate: (m: ChatMessage) => boolean) =>
    until(agent.messages(conversationId), (list) => list.some(predicate)).then((list) => list.find(predicate) as ChatMessage);

  it('WhatsApp: the contact writes, the agent answers, and delivered then read show on the message', async () => {
    const graph = await fakeGraph({ accessToken: WA.accessToken, phoneNumberId: WA.phoneNumberId });
    cleanup.push(graph.close);
    const { relay, agent } = await inbox({
      config: {
        channels: [{ id: 'wa', type: 'whatsapp', members: ['agent'], baseUrl: graph.url, ...WA }],
        dispatch: { pollIntervalMs: 50 },
      },
    });
    graph.subscribe(`${relay.url}/v1/channels/wa/webhook`, WA.appSecret);

    await graph.inbound({ from: '5511999990000', name: 'Maria Silva', text: 'Meu pedido não chegou' });
    const [conversation] = await until(agent.conversations, (list) => list.length === 1);
    expect(conversation).toMatchObject({ title: 'Maria Silva', metadata: { channel: { id: 'wa', type: 'whatsapp' } } });
    const conversationId = conversation?.id as string;
    const question = await newest(agent, conversationId, (m) => m.text === 'Meu pedido não chegou');
    expect(question.senderId).toMatch(/^contact:/);

    const reply = await agent.send(conversationId, 'Vou verificar agora mesmo', { replyTo: question.id });
    const sent = await newest(agent, conversationId, (m) => m.id === reply.id && m.channels[0]?.status === 'sent');
    expect(sent.channels[0]).toMatchObject({ channel: 'whatsapp', channelId: 'wa', contactId: question.senderId });
    expect(graph.calls.at(-1)).toMatchObject({
      to: '5511999990000',
      context: { message_id: question.metadata.channel && (question.metadata.channel as { externalId: string }).externalId },
      text: { body: 'Vou verificar agora mesmo' },
    });
    const wamid = sent.channels[0]?.externalId as string;

    await graph.status(wamid, 'delivered', '5511999990000');
    const delivered = await newest(agent, conversationId, (m) => m.id === reply.id && m.channels[0]?.status === 'delivered');
    expect(delivered).toMatchObject({ status: 'delivered', deliveredCount: 1, readCount: 0 });
    await graph.status(wamid, 'read', '5511999990000');
    const read = await newest(agent, conversationId, (m) => m.id === reply.id && m.status === 'read');
    expect(read.channels[0]?.history.map((h) => h.status)).toEqual(['sent', 'delivered', 'read']);

    // A second device gets the newest messages with their statuses when it connects; one that pages history in gets
    // each page's statuses with it, in one call.
    const other = client(relay.url, await userToken(relay.url, 'agent'));
    cleanup.push(() => other.close());
    await other.connect();
    const resumed = await newest(other, conversationId, (m) => m.id === reply.id && m.channels.length > 0);
    expect(resumed.channels.map((d) => [d.channel, d.status])).toEqual([['whatsapp', 'read']]);
    const paging = client(relay.url, await userToken(relay.url, 'agent'), { newConversationMessages: 0 });
    cleanup.push(() => paging.close());
    await paging.connect();
    expect(await paging.loadOlder(conversationId)).toBe(2);
    const paged = await newest(paging, conversationId, (m) => m.id === reply.id && m.channels.length > 0);
    expect(paged.channels.map((d) => [d.channel, d.status])).toEqual([['whatsapp', 'read']]);
    const loaded = await other.loadDeliveries(conversationId, reply.id);
    expect(loaded.map((d) => d.status)).toEqual(['read']);
  });

  it('WhatsApp: a location, a button choice, a voice note and an unsupported type arrive with their kind and content; a revoke deletes', async () => {
    const graph = await fakeGraph({ accessToken: WA.accessToken, phoneNumberId: WA.phoneNumberId });
    cleanup.push(graph.close);
    const { relay, agent } = await inbox({
      config: { channels: [{ id: 'wa', type: 'whatsapp', members: ['agent'], baseUrl: graph.url, ...WA }] },
    });
    graph.subscribe(`${relay.url}/v1/channels/wa/webhook`, WA.appSecret);
    const from = '5511977776666';
    // Message objects as the Cloud API webhook reference shows them.
    const pin = await graph.inboundMessage({
      from,
      name: 'Rita',
      type: 'location',
      location: { latitude: -22.9068, longitude: -43.1729, name: 'Centro' },
    });
    const [conversation] = await until(agent.conversations, (list) => list.length === 1);
    const conversationId = conversation?.id as string;
    await graph.inboundMessage({
      from,
      type: 'interactive',
      interactive: { type: 'list_reply', list_reply: { id: 'slot-14h', title: '14:00', description: 'Terça' } },
    });
    await graph.inboundMedia({ from, kind: 'audio', bytes: Buffer.from('OggS voice'), mimeType: 'audio/ogg', extra: { voice: true } });
    await graph.inboundMessage({ from, type: 'order', order: { catalog_id: '354160437058781', text: 'quero estes', product_items: [] } });
    const list = await until(agent.messages(conversationId), (messages) => messages.length === 4);
    expect(list.map((m) => [m.kind, m.text, m.content?.type])).toEqual([
      ['location', 'Centro', 'location'],
      ['text', '14:00', 'choice'],
      ['file', '', 'voice'],
      ['unsupported', 'quero estes', 'unsupported'],
    ]);
    expect(list[1]?.content).toEqual({ type: 'choice', payload: 'slot-14h', title: '14:00', description: 'Terça' });
    expect(list[3]?.content).toEqual({ type: 'unsupported', platformType: 'order' });
    // What the composer can send to this contact now.
    expect(await agent.channelPolicies(conversationId)).toMatchObject([
      { channel: 'whatsapp', state: 'open', templateRequired: false, capabilities: { caption: { limit: 1024 } } },
    ]);
    await graph.inboundMessage({ from, type: 'revoke', revoke: { original_message_id: pin.id } });
    const gone = await until(agent.messages(conversationId), (messages) => messages[0]?.deletedAt !== null);
    expect(gone[0]).toMatchObject({ text: '', content: null });
  });

  it('Telegram: answers are sent; once the user blocks the bot they fail with Telegram’s reason on the message', async () => {
    const telegram = await fakeTelegram('42:tg-token');
    cleanup.push(telegram.close);
    const { relay, agent } = await inbox({
      config: {
        channels: [
          { id: 'tg', type: 'telegram', members: ['agent'], token: '42:tg-token', secretToken: 'tg-secret', baseUrl: telegram.url },
        ],
        dispatch: { pollIntervalMs: 50 },
      },
    });
    await new TelegramConnector({ token: '42:tg-token', secretToken: 'tg-secret', baseUrl: telegram.url }).setWebhook(
      `${relay.url}/v1/channels/tg/webhook`,
    );
    await telegram.inbound({ chatId: 5150, firstName: 'Ana', text: 'oi bot' });
    const [conversation] = await until(agent.conversations, (list) => list.length === 1);
    const conversationId = conversation?.id as string;
    await newest(agent, conversationId, (m) => m.text === 'oi bot');
    const first = await agent.send(conversationId, 'olá Ana');
    const sent = await newest(agent, conversationId, (m) => m.id === first.id && m.channels[0]?.status === 'sent');
    expect(sent.channels[0]?.externalId).toBe('5150:100');
    expect(telegram.calls.at(-1)).toEqual({ method: 'sendMessage', body: { chat_id: '5150', text: 'olá Ana' } });

    telegram.chat(5150, 'blocked');
    const second = await agent.send(conversationId, 'ainda aí?');
    const failed = await newest(agent, conversationId, (m) => m.id === second.id && m.channels[0]?.status === 'failed');
    expect(failed.channels[0]?.error).toEqual({
      code: 'RECIPIENT_BLOCKED',
      platformCode: '403',
      message: 'Forbidden: bot was blocked by the user',
    });
  });

  for (const channel of ['messenger', 'instagram'] as const) {
    it(`${channel}: the person writes, the agent answers, and read shows on the message`, async () => {
      const accountId = channel === 'messenger' ? '1122334455' : '17841400000';
      const meta = await fakeMetaSend({ channel, accessToken: 'page-token', accountId, autoStatusMs: 20 });
      cleanup.push(meta.close);
      const account = { accessToken: 'page-token', appSecret: 'meta-secret', verifyToken: 'v', baseUrl: meta.url, members: ['agent'] };
      const config =
        channel === 'messenger'
          ? { id: 'fb', type: 'messenger' as const, pageId: accountId, ...account }
          : { id: 'ig', type: 'instagram' as const, accountId, ...account };
      const { relay, agent } = await inbox({ config: { channels: [config], dispatch: { pollIntervalMs: 50 } } });
      meta.subscribe(`${relay.url}/v1/channels/${config.id}/webhook`, 'meta-secret');
      await meta.inbound({ from: '6677', text: `oi pelo ${channel}` });
      const [conversation] = await until(agent.conversations, (list) => list.length === 1);
      const conversationId = conversation?.id as string;
      await newest(agent, conversationId, (m) => m.text === `oi pelo ${channel}`);
      const reply = await agent.send(conversationId, 'olá!');
      const read = await newest(agent, conversationId, (m) => m.id === reply.id && m.channels[0]?.status === 'read');
      expect(read).toMatchObject({ status: 'read', channels: [{ channel, channelId: config.id }] });
      expect(meta.calls.at(-1)).toMatchObject({ recipient: { id: '6677' }, message: { text: 'olá!' } });
    });
  }
});
