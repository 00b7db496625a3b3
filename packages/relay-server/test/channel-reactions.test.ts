import { randomUUID } from 'node:crypto';
import { TelegramConnector } from '@chat4all/connectors';
import { type FakeGraph, type FakeMetaSend, type FakeTelegram, fakeGraph, fakeMetaSend, fakeTelegram } from '@chat4all/connectors/testing';
import type { Message, ServerFrame } from '@chat4all/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningRelay, startRelay, type TestSocket } from './fixtures.js';

const WA = { accessToken: 'EAAJB-test-token', phoneNumberId: '106540352242922', appSecret: 'meta-app-secret', verifyToken: 'verify-me' };
const CUSTOMER = '5511999990000';

/** A Messenger Page account pointed at the Send API fake. */
const messengerAccount = (baseUrl: string) => ({
  id: 'fb',
  type: 'messenger' as const,
  members: ['agent'],
  accessToken: 'page-token',
  pageId: '1122334455',
  appSecret: 'fb-secret',
  verifyToken: 'v',
  baseUrl,
});

/** The next message created in the conversation with this text. */
async function arrived(socket: TestSocket, text: string): Promise<Message> {
  const frame = await socket.waitFor((f) => f.type === 'message.created' && f.message.text === text);
  if (frame.type !== 'message.created') throw new Error('unreachable');
  return frame.message;
}

const reactionOf =
  (messageId: string, userId: string, keys: string[]) =>
  (frame: ServerFrame): boolean =>
    frame.type === 'reaction.updated' &&
    frame.messageId === messageId &&
    JSON.stringify(frame.reactions.filter((r) => r.userIds.includes(userId)).map((r) => r.key)) === JSON.stringify(keys);

describe('reactions, edits and deletes across channels', () => {
  let relay: RunningRelay;
  let graph: FakeGraph | undefined;
  let telegram: FakeTelegram | undefined;
  let meta: FakeMetaSend | undefined;
  afterEach(async () => {
    await relay?.close();
    await graph?.close();
    await telegram?.close();
    await meta?.close();
    [graph, telegram, meta] = [undefined, undefined, undefined];
  });

  const sentOn = async (socket: TestSocket, messageId: string) => {
    const frame = await socket.waitFor(
      (f) => f.type === 'delivery.updated' && f.delivery.messageId === messageId && f.delivery.status === 'sent',
    );
    return frame.type === 'delivery.updated' ? (frame.delivery.externalId as string) : '';
  };

  it('WhatsApp: a customer’s reactions are theirs on the message; an agent’s go out as reaction messages and are taken back', async () => {
    graph = await fakeGraph({ accessToken: WA.accessToken, phoneNumberId: WA.phoneNumberId });
    relay = await startRelay({
      channels: [{ id: 'wa', type: 'whatsapp', members: ['agent'], baseUrl: graph.url, ...WA }],
      dispatch: { pollIntervalMs: 50 },
    });
    graph.subscribe(`${relay.url}/v1/channels/wa/webhook`, WA.appSecret);
    const agent = await relay.user('agent');
    const socket = await relay.connect(agent.token);
    const { id: wamid } = await graph.inbound({ from: CUSTOMER, name: 'Maria', text: 'Chegou!' });
    const inbound = await arrived(socket, 'Chegou!');
    const contactId = inbound.senderId as string;

    // The agent reacts to the customer's message: a reaction message to its wamid.
    expect(
      await socket.request({ type: 'reaction.add', conversationId: inbound.conversationId, messageId: inbound.id, key: '🎉' }),
    ).toMatchObject({
      type: 'ack',
    });
    await expect.poll(() => graph?.reactions).toEqual([{ to: CUSTOMER, messageId: wamid, emoji: '🎉' }]);
    await socket.request({ type: 'reaction.remove', conversationId: inbound.conversationId, messageId: inbound.id, key: '🎉' });
    await expect.poll(() => graph?.reactions.at(-1)).toEqual({ to: CUSTOMER, messageId: wamid, emoji: '' });

    // The customer reacts to the agent's answer (by the wamid it was sent as), changes it, and takes it back.
    const answerId = randomUUID();
    await socket.request({ type: 'message.send', conversationId: inbound.conversationId, message: { id: answerId, text: 'Que bom!' } });
    const answerWamid = await sentOn(socket, answerId);
    // https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/reference/messages/reaction
    const react = (emoji?: string) =>
      graph?.inboundMessage({ from: CUSTOMER, type: 'reaction', reaction: { message_id: answerWamid, ...(emoji ? { emoji } : {}) } });
    const first = await react('❤️');
    expect(first, JSON.stringify(first?.body)).toMatchObject({ status: 200, body: { ok: true, messages: 1 } });
    await socket.waitFor(reactionOf(answerId, contactId, ['❤️']));
    await react('👍');
    await socket.waitFor(reactionOf(answerId, contactId, ['👍']));
    await react();
    const removed = await socket.waitFor(reactionOf(answerId, contactId, []));
    expect(removed).toMatchObject({ userId: contactId, reactions: [] });
    // A reaction to a message the relay never stored changes nothing, and is answered 200 (Meta would retry otherwise).
    expect(
      await graph.inboundMessage({ from: CUSTOMER, type: 'reaction', reaction: { message_id: 'wamid.UNKNOWN', emoji: '😮' } }),
    ).toMatchObject({ status: 200 });
    // The contact's own reactions are not sent back to WhatsApp.
    expect(graph.reactions).toHaveLength(2);
  });

  it('Telegram: reactions from Telegram’s set both ways, an agent’s edit and delete, and a button press as a choice', async () => {
    telegram = await fakeTelegram('123:bot-token');
    relay = await startRelay({
      channels: [
        { id: 'tg', type: 'telegram', members: ['agent'], token: '123:bot-token', secretToken: 'tg-secret', baseUrl: telegram.url },
      ],
      dispatch: { pollIntervalMs: 50 },
    });
    const agent = await relay.user('agent');
    const socket = await relay.connect(agent.token);
    await new TelegramConnector({ token: '123:bot-token', secretToken: 'tg-secret', baseUrl: telegram.url }).setWebhook(
      `${relay.url}/v1/channels/tg/webhook`,
    );
    expect(telegram.calls.at(-1)?.body.allowed_updates).toEqual(['message', 'edited_message', 'message_reaction', 'callback_query']);
    const { messageId: inboundId } = await telegram.inbound({ chatId: 777010, firstName: 'Rui', text: 'oi' });
    const inbound = await arrived(socket, 'oi');
    const { conversationId } = inbound;
    const contactId = inbound.senderId as string;

    // An app's ❤️ carries U+FE0F; Telegram's ❤ does not: it goes without it.
    await socket.request({ type: 'reaction.add', conversationId, messageId: inbound.id, key: '❤️' });
    await expect.poll(() => telegram?.reactions.get(`777010:${inboundId}`)).toBe('❤');
    // An emoji outside Telegram's set is not sent, and counted as failed.
    await socket.request({ type: 'reaction.add', conversationId, messageId: inbound.id, key: '🫠' });
    await expect
      .poll(async () => (await fetch(`${relay.url}/metrics`)).text())
      .toContain('chat4all_channel_changes_total{channel="tg",kind="reaction",outcome="failed"} 1');
    expect(telegram.calls.filter((c) => c.method === 'setMessageReaction')).toHaveLength(1);

    // Rui reacts to the agent's answer with two emoji (a premium user may), then takes one back.
    const answerId = randomUUID();
    await socket.request({ type: 'message.send', conversationId, message: { id: answerId, text: 'Olá Rui, em que posso ajudar?' } });
    const answerExternal = await sentOn(socket, answerId);
    const answerTelegramId = Number(answerExternal.split(':')[1]);
    expect((await telegram.react(777010, answerTelegramId, ['👍', '🔥'])).status).toBe(200);
    await socket.waitFor(reactionOf(answerId, contactId, ['🔥']));
    await telegram.react(777010, answerTelegramId, [], ['🔥']);
    await socket.waitFor(reactionOf(answerId, contactId, []));

    // The agent edits the answer, then deletes it: editMessageText, then deleteMessages.
    await socket.request({ type: 'message.edit', conversationId, messageId: answerId, text: 'Olá Rui! Em que posso ajudar?' });
    await expect.poll(() => telegram?.sent.get(answerExternal)).toBe('Olá Rui! Em que posso ajudar?');
    await socket.request({ type: 'message.delete', conversationId, messageId: answerId });
    await expect.poll(() => telegram?.deleted).toEqual([answerExternal]);
    // A contact's message the agent deletes stays on Telegram: it is theirs.
    await socket.request({ type: 'message.delete', conversationId, messageId: inbound.id });
    expect(telegram.calls.filter((c) => c.method === 'deleteMessages')).toHaveLength(1);

    // A button press is a choice message answering the message with the keyboard, and Telegram's query is answered.
    const menuId = randomUUID();
    await socket.request({ type: 'message.send', conversationId, message: { id: menuId, text: 'Escolha uma opção' } });
    const menuExternal = await sentOn(socket, menuId);
    const press = await telegram.press(777010, Number(menuExternal.split(':')[1]), { text: 'Ver pedido', data: 'order:42' });
    expect(press.status).toBe(200);
    const choice = await arrived(socket, 'Ver pedido');
    expect(choice).toMatchObject({
      senderId: contactId,
      replyTo: menuId,
      content: { type: 'choice', payload: 'order:42', title: 'Ver pedido', description: null },
    });
    await expect.poll(() => telegram?.answered).toEqual([press.queryId]);
  });

  it('Messenger: a person’s react and unreact, and the Page’s reaction as a sender action', async () => {
    meta = await fakeMetaSend({ channel: 'messenger', accessToken: 'page-token', accountId: '1122334455' });
    relay = await startRelay({
      channels: [messengerAccount(meta.url)],
      dispatch: { pollIntervalMs: 50 },
    });
    meta.subscribe(`${relay.url}/v1/channels/fb/webhook`, 'fb-secret');
    const agent = await relay.user('agent');
    const socket = await relay.connect(agent.token);
    const { mid } = await meta.inbound({ from: '6677', text: 'Vocês abrem sábado?' });
    const inbound = await arrived(socket, 'Vocês abrem sábado?');
    const contactId = inbound.senderId as string;

    await socket.request({ type: 'reaction.add', conversationId: inbound.conversationId, messageId: inbound.id, key: '👍' });
    await socket.request({ type: 'reaction.remove', conversationId: inbound.conversationId, messageId: inbound.id, key: '👍' });
    await expect
      .poll(() => meta?.actions.map((a) => [a.action, a.payload]))
      .toEqual([
        ['react', { message_id: mid, reaction: '👍' }],
        ['unreact', { message_id: mid }],
      ]);

    // https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/message-reactions
    await meta.event('6677', { reaction: { reaction: 'love', emoji: '❤️', action: 'react', mid } });
    await socket.waitFor(reactionOf(inbound.id, contactId, ['❤️']));
    await meta.event('6677', { reaction: { action: 'unreact', mid } });
    await socket.waitFor(reactionOf(inbound.id, contactId, []));
  });

  it('an agent shares a place and a contact card: WhatsApp and Telegram get theirs, Messenger the text with a map link', async () => {
    graph = await fakeGraph({ accessToken: WA.accessToken, phoneNumberId: WA.phoneNumberId });
    telegram = await fakeTelegram('123:bot-token');
    meta = await fakeMetaSend({ channel: 'messenger', accessToken: 'page-token', accountId: '1122334455' });
    relay = await startRelay({
      channels: [
        { id: 'wa', type: 'whatsapp', members: ['agent'], baseUrl: graph.url, ...WA },
        { id: 'tg', type: 'telegram', members: ['agent'], token: '123:bot-token', secretToken: 'tg-secret', baseUrl: telegram.url },
        messengerAccount(meta.url),
      ],
      dispatch: { pollIntervalMs: 50 },
    });
    graph.subscribe(`${relay.url}/v1/channels/wa/webhook`, WA.appSecret);
    meta.subscribe(`${relay.url}/v1/channels/fb/webhook`, 'fb-secret');
    await new TelegramConnector({ token: '123:bot-token', secretToken: 'tg-secret', baseUrl: telegram.url }).setWebhook(
      `${relay.url}/v1/channels/tg/webhook`,
    );
    const agent = await relay.user('agent');
    const socket = await relay.connect(agent.token);
    await graph.inbound({ from: CUSTOMER, text: 'Onde fica a loja?' });
    const onWhatsApp = await arrived(socket, 'Onde fica a loja?');
    await telegram.inbound({ chatId: 777020, firstName: 'Lia', text: 'Endereço?' });
    const onTelegram = await arrived(socket, 'Endereço?');
    await meta.inbound({ from: '6688', text: 'E o endereço?' });
    const onMessenger = await arrived(socket, 'E o endereço?');

    const place = {
      type: 'location',
      latitude: -23.5614,
      longitude: -46.6559,
      name: 'Loja Paulista',
      address: 'Av. Paulista, 1000',
      url: null,
    };
    const card = {
      type: 'contacts',
      contacts: [
        { name: 'Suporte', phones: [{ phone: '+55 11 4000-0000', type: 'WORK' }], emails: ['suporte@example.com'], organization: 'Loja' },
      ],
    };
    const share = async (conversationId: string, content: unknown) => {
      const id = randomUUID();
      const ack = await socket.request({ type: 'message.send', conversationId, message: { id, text: '', content } });
      expect(ack).toMatchObject({ type: 'ack' });
      return id;
    };
    for (const { conversationId } of [onWhatsApp, onTelegram, onMessenger]) {
      await sentOn(socket, await share(conversationId, place));
      await sentOn(socket, await share(conversationId, card));
    }
    const history = await relay.http<{ messages: Message[] }>('GET', `/v1/conversations/${onWhatsApp.conversationId}/messages`, {
      as: agent.token,
    });
    expect(history.body.messages.slice(1).map((m) => [m.kind, m.text])).toEqual([
      ['location', 'Loja Paulista — Av. Paulista, 1000'],
      ['contacts', 'Suporte'],
    ]);
    // https://developers.facebook.com/docs/whatsapp/cloud-api/messages/location-messages and /contacts-messages
    expect(graph.calls.slice(-2).map((c) => [c.type, c[c.type as string]])).toEqual([
      ['location', { latitude: -23.5614, longitude: -46.6559, name: 'Loja Paulista', address: 'Av. Paulista, 1000' }],
      [
        'contacts',
        [
          {
            name: { formatted_name: 'Suporte', first_name: 'Suporte' },
            phones: [{ phone: '+55 11 4000-0000', type: 'WORK' }],
            emails: [{ email: 'suporte@example.com' }],
            org: { company: 'Loja' },
          },
        ],
      ],
    ]);
    expect(telegram.calls.filter((c) => ['sendVenue', 'sendContact'].includes(c.method)).map((c) => c.body)).toEqual([
      { chat_id: '777020', latitude: -23.5614, longitude: -46.6559, title: 'Loja Paulista', address: 'Av. Paulista, 1000' },
      { chat_id: '777020', phone_number: '+55 11 4000-0000', first_name: 'Suporte' },
    ]);
    expect(meta.calls.slice(-2).map((c) => (c.message as { text?: string }).text)).toEqual([
      'Loja Paulista — Av. Paulista, 1000\nhttps://maps.google.com/?q=-23.5614,-46.6559',
      'Suporte',
    ]);
    // Content is a place or contact cards only, and never with a file.
    const refused = await socket.request({
      type: 'message.send',
      conversationId: onWhatsApp.conversationId,
      message: { id: randomUUID(), text: '', content: { type: 'sticker', animated: false, emoji: null } },
    });
    expect(refused).toMatchObject({ type: 'error', error: { code: 'BAD_REQUEST' } });
  });
});
